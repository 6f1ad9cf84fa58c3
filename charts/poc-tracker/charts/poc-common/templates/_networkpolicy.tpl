{{/*
poc-common.networkPolicy: what one service may receive and send, on top of the umbrella's
default-deny. Each service states its needs in `.Values.network`; nothing else gets through.
*/}}
{{- define "poc-common.networkPolicy" -}}
{{- $name := include "poc-common.name" . -}}
{{- $g := .Values.global -}}
{{- $n := .Values.network -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "poc-common.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    # Prometheus scrapes /metrics on the service port.
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.network.monitoring.namespace }}
          podSelector:
            matchLabels:
              {{- toYaml $g.network.monitoring.podLabels | nindent 14 }}
      ports:
        - port: {{ $g.port }}
          protocol: TCP
    {{- if $n.fromIngressController }}
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.network.ingressController.namespace }}
          podSelector:
            matchLabels:
              {{- toYaml $g.network.ingressController.podLabels | nindent 14 }}
      ports:
        - port: {{ $g.port }}
          protocol: TCP
    {{- end }}
    {{- if kindIs "bool" $n.fromWorkloads }}
    {{- if $n.fromWorkloads }}
    # Every POC Tracker workload in this namespace (e.g. fetching identity's JWKS).
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: poc-tracker
      ports:
        - port: {{ $g.port }}
          protocol: TCP
    {{- end }}
    {{- else }}
    {{- range $n.fromWorkloads }}
    # The {{ . }} workload of this release (e.g. the edge proxying to this service).
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/instance: {{ $.Release.Name }}
      ports:
        - port: {{ $g.port }}
          protocol: TCP
    {{- end }}
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- range uniq (concat $n.toWorkloads (.Values.upstreams | default list)) }}
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/instance: {{ $.Release.Name }}
      ports:
        - port: {{ $g.port }}
          protocol: TCP
    {{- end }}
    {{- range $n.toData }}
    {{- $port := get $g.network.dataPorts . }}
    {{- if not $port }}{{ fail (printf "%s: unknown data store %q in network.toData" $name .) }}{{ end }}
    - to:
        {{- range $g.network.dataCidrs }}
        - ipBlock:
            cidr: {{ . }}
        {{- end }}
      ports:
        - port: {{ $port }}
          protocol: TCP
    {{- end }}
    {{- if $n.toAwsApis }}
    # AWS APIs (S3, STS for IRSA) over HTTPS; the VPC's own ranges are excluded so this rule
    # cannot be used to reach anything inside the VPC.
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            {{- with $g.network.privateCidrs }}
            except:
              {{- toYaml . | nindent 14 }}
            {{- end }}
      ports:
        - port: 443
          protocol: TCP
    {{- end }}
{{- end -}}
