import { useVideoPlayer, VideoView } from 'expo-video';

/** The year-in-review MP4 with the platform's own controls (native player on devices, <video> on the web). */
export function VideoPlayer({ uri, headers, label }: { uri: string; headers: Record<string, string>; label: string }) {
  const player = useVideoPlayer({ uri, headers }, (p) => {
    p.loop = false;
  });
  return <VideoView player={player} nativeControls allowsPictureInPicture accessibilityLabel={label} style={{ width: '100%', aspectRatio: 16 / 9, backgroundColor: '#000' }} testID="video-player" />;
}
