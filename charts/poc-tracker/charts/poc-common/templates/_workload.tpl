{{/*
poc-common.workload renders everything one service needs. A service sub-chart's only template is
  {{ include "poc-common.workload" . }}
Its values choose the shape: kind `http` (Service, Ingress, HPA on CPU), `worker` (KEDA
ScaledObject on Kafka lag, no Ingress) or `http-worker` (one process that serves an HTTP API and
consumes Kafka: Ingress, and KEDA on Kafka lag plus CPU); the rest (probes, resources, PDB, zone
spread, ServiceAccount for IRSA, env wiring, NetworkPolicy) is the same for every Deployment, on purpose.
*/}}
{{- define "poc-common.workload" -}}
{{- $name := include "poc-common.name" . -}}
{{- $g := .Values.global -}}
{{- if not (has .Values.kind (list "http" "worker" "http-worker")) -}}
{{- fail (printf "%s: kind must be http, worker or http-worker, not %v" $name .Values.kind) -}}
{{- end -}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
  {{- with include "poc-common.roleArn" . }}
  annotations:
    eks.amazonaws.com/role-arn: {{ . | quote }}
    eks.amazonaws.com/sts-regional-endpoints: "true"
  {{- end }}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
spec:
  {{- if not (or .Values.autoscaling.enabled .Values.kafkaScaling.enabled) }}
  replicas: {{ .Values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "poc-common.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "poc-common.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ toJson $g.config | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $g.port | quote }}
        prometheus.io/path: /metrics
    spec:
      serviceAccountName: {{ $name }}
      # No service talks to the Kubernetes API. The IRSA web identity token is a separate projected
      # volume that the EKS pod identity webhook adds, whatever this setting.
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: {{ $g.zoneSpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "poc-common.selectorLabels" . | nindent 14 }}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "poc-common.selectorLabels" . | nindent 14 }}
      containers:
        - name: {{ $name }}
          image: {{ include "poc-common.image" . | quote }}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: {{ $g.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $g.configMapName }}
            {{- /* secretEnv: false for a workload that needs no credentials (the edge); absent means true. */}}
            {{- if ternary .Values.secretEnv true (hasKey .Values "secretEnv") }}
            - secretRef:
                name: {{ $g.secretName }}
            {{- end }}
          env:
            - name: PORT
              value: {{ $g.port | quote }}
            {{- /* Services this one calls over HTTP, by their in-cluster Service: IDENTITY_URL=http://identity:8080 */}}
            {{- range (.Values.upstreams | default list) }}
            - name: {{ printf "%s_URL" (upper .) }}
              value: {{ printf "http://%s:%v" . $g.port | quote }}
            {{- end }}
            {{- if .Values.s3Bucket }}
            - name: S3_BUCKET
              value: {{ .Values.s3Bucket | quote }}
            {{- end }}
            {{- range $key, $value := .Values.env }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          resources:
            {{- required (printf "%s: resources are required" $name) .Values.resources | toYaml | nindent 12 }}
          startupProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: {{ .Values.readinessPath | default "/health/ready" }}
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if .Values.sharedMemory }}
            - name: dshm
              mountPath: /dev/shm
            {{- end }}
      volumes:
        # tsx caches compiled TypeScript under /tmp; the root filesystem stays read-only.
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpSize }}
        {{- if .Values.sharedMemory }}
        # Chromium needs more shared memory than the container default of 64Mi.
        - name: dshm
          emptyDir:
            medium: Memory
            sizeLimit: {{ .Values.sharedMemory }}
        {{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "poc-common.selectorLabels" . | nindent 6 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "poc-common.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $g.port }}
      targetPort: http
      protocol: TCP
{{- if .Values.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
{{- if .Values.kafkaScaling.enabled }}
{{- if .Values.autoscaling.enabled }}
{{- fail (printf "%s: use either autoscaling (HPA) or kafkaScaling (KEDA), not both: KEDA owns its own HPA" $name) }}
{{- end }}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ $name }}
  minReplicaCount: {{ .Values.kafkaScaling.minReplicas }}
  maxReplicaCount: {{ .Values.kafkaScaling.maxReplicas }}
  pollingInterval: 15
  cooldownPeriod: {{ .Values.kafkaScaling.cooldownSeconds }}
  triggers:
    {{- with .Values.kafkaScaling.cpuUtilization }}
    # An HTTP API in the same process: scale on CPU too (the lag alone does not see API load).
    - type: cpu
      metricType: Utilization
      metadata:
        value: {{ . | quote }}
    {{- end }}
    {{- range .Values.kafkaScaling.topics }}
    - type: kafka
      authenticationRef:
        name: {{ $g.kafka.triggerAuthenticationName }}
      metadata:
        bootstrapServers: {{ required "global.config.KAFKA_BROKERS is required for Kafka scaling" $g.config.KAFKA_BROKERS | quote }}
        consumerGroup: {{ $.Values.kafkaScaling.consumerGroup | quote }}
        topic: {{ . | quote }}
        lagThreshold: {{ $.Values.kafkaScaling.lagThreshold | quote }}
        offsetResetPolicy: earliest
        {{- if $g.kafka.iamAuth }}
        tls: enable
        sasl: aws_msk_iam
        awsRegion: {{ required "global.aws.region is required for MSK IAM auth" $g.aws.region | quote }}
        {{- end }}
    {{- end }}
{{- end }}
{{- if and (ne .Values.kind "worker") .Values.ingress.paths }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}
  labels:
    {{- include "poc-common.labels" . | nindent 4 }}
  {{- with (merge (dict) .Values.ingress.annotations $g.ingress.annotations) }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  ingressClassName: {{ $g.ingress.className }}
  rules:
    - {{- with $g.ingress.host }}
      host: {{ . | quote }}
      {{- end }}
      http:
        paths:
          {{- range .Values.ingress.paths }}
          - path: {{ . }}
            pathType: Prefix
            backend:
              service:
                name: {{ $name }}
                port:
                  name: http
          {{- end }}
{{- end }}
---
{{ include "poc-common.networkPolicy" . }}
{{- end -}}
