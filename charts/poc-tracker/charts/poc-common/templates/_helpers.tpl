{{/*
Shared names and labels. Every service sub-chart passes its own context (`.`) so `.Values` are its
values and `.Values.global` the umbrella's globals.
*/}}

{{- define "poc-common.name" -}}
{{- required "name is required in the service values" .Values.name -}}
{{- end -}}

{{- define "poc-common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "poc-common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "poc-common.labels" -}}
{{ include "poc-common.selectorLabels" . }}
app.kubernetes.io/part-of: poc-tracker
app.kubernetes.io/component: {{ .Values.kind }}
app.kubernetes.io/version: {{ include "poc-common.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "poc-common.imageTag" -}}
{{- .Values.image.tag | default .Values.global.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "poc-common.image" -}}
{{- $registry := .Values.global.image.registry -}}
{{- $repository := .Values.image.repository | default (printf "poc-tracker/%s" (include "poc-common.name" .)) -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry $repository (include "poc-common.imageTag" .) -}}
{{- else -}}
{{- printf "%s:%s" $repository (include "poc-common.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{/* The IRSA role: an explicit ARN wins, else the role the CDK Cluster stack names poc-<stage>-<service>. */}}
{{- define "poc-common.roleArn" -}}
{{- if .Values.serviceAccount.roleArn -}}
{{- .Values.serviceAccount.roleArn -}}
{{- else if .Values.global.aws.accountId -}}
{{- printf "arn:aws:iam::%s:role/poc-%s-%s" (toString .Values.global.aws.accountId) .Values.global.stage (include "poc-common.name" .) -}}
{{- end -}}
{{- end -}}
