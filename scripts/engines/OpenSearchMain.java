import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch node in this JVM, on loopback, for tests and `pnpm engines`.
 * Run as a single-file source program (java 17 compiles it on launch):
 *   java -cp 'lib/*' OpenSearchMain.java <dataDir> <httpPort> <transportPort>
 * Prints "OPENSEARCH READY <version>" once the cluster is yellow; stops on SIGTERM.
 */
public class OpenSearchMain {
  public static void main(String[] args) throws Exception {
    String basePath = args[0];
    int httpPort = Integer.parseInt(args[1]);
    int transportPort = Integer.parseInt(args[2]);
    OpenSearchRunner runner = new OpenSearchRunner();
    runner.setMaxHttpPort(httpPort + 1);
    runner.onBuild((number, settings) -> {
      settings.put("http.port", httpPort);
      settings.put("transport.port", transportPort);
      settings.put("network.host", "127.0.0.1");
      // A shared dev machine's disk may be fuller than OpenSearch's watermarks like.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
      settings.put("action.destructive_requires_name", false);
    });
    // The runner adds the node number (1) to the base port.
    runner.build(newConfigs().basePath(basePath).numOfNode(1).baseHttpPort(httpPort - 1).clusterName("poc-tracker"));
    runner.ensureYellow();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));
    System.out.println("OPENSEARCH READY " + org.opensearch.Version.CURRENT);
    System.out.flush();
    Thread.currentThread().join();
  }
}
