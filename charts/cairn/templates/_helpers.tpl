{{/* Names */}}
{{- define "cairn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cairn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cairn.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "cairn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cairn
{{- end -}}

{{/* Selector labels of one component: include "cairn.selectorLabels" (list $ "api") */}}
{{- define "cairn.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "cairn.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "cairn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cairn.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
An image reference: include "cairn.image" (list $ .Values.image)
global.imageRegistry, when set, replaces the registry of every image (air-gapped installs).
*/}}
{{- define "cairn.image" -}}
{{- $ := index . 0 -}}
{{- $image := index . 1 -}}
{{- $registry := $.Values.global.imageRegistry | default $image.registry -}}
{{- $tag := $image.tag | default $.Chart.AppVersion | toString -}}
{{- $ref := printf "%s:%s" $image.repository $tag -}}
{{- if $image.digest -}}{{- $ref = printf "%s@%s" $image.repository $image.digest -}}{{- end -}}
{{- if $registry -}}{{- printf "%s/%s" $registry $ref -}}{{- else -}}{{- $ref -}}{{- end -}}
{{- end -}}

{{- define "cairn.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The chart's Secret, and the value a key of it keeps across upgrades (or a new random one). */}}
{{- define "cairn.secretName" -}}
{{- include "cairn.fullname" . -}}
{{- end -}}

{{- define "cairn.keptSecret" -}}
{{- $ := index . 0 -}}
{{- $key := index . 1 -}}
{{- $given := index . 2 -}}
{{- if $given -}}
{{- $given -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" $.Release.Namespace (include "cairn.secretName" $) -}}
{{- if and $existing (hasKey $existing.data $key) -}}
{{- index $existing.data $key | b64dec -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cairn.postgresHost" -}}{{ include "cairn.fullname" . }}-postgresql{{- end -}}
{{- define "cairn.clickhouseHost" -}}{{ include "cairn.fullname" . }}-clickhouse{{- end -}}
{{- define "cairn.redpandaHost" -}}{{ include "cairn.fullname" . }}-redpanda{{- end -}}

{{- define "cairn.kafkaBrokers" -}}
{{- if .Values.redpanda.enabled -}}
{{- printf "%s-0.%s.%s.svc:9092" (include "cairn.redpandaHost" .) (include "cairn.redpandaHost" .) .Release.Namespace -}}
{{- else -}}
{{- required "externalKafka.brokers is required when redpanda.enabled is false" .Values.externalKafka.brokers -}}
{{- end -}}
{{- end -}}

{{/*
Secret environment of every Cairn container. Each credential comes from the chart's Secret or
from the operator's existingSecret; bundled stores' URLs are assembled by Kubernetes from the
password variable ($(VAR) expansion), so the password itself may live in an existingSecret.
*/}}
{{- define "cairn.secretEnv" -}}
- name: CAIRN_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secretKey.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.secretKey.existingSecretKey "CAIRN_SECRET_KEY" (ne .Values.secretKey.existingSecret "") }}
{{- if .Values.postgresql.enabled }}
- name: CAIRN_BUNDLED_POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.postgresql.auth.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.postgresql.auth.existingSecretKey "postgres-password" (ne .Values.postgresql.auth.existingSecret "") }}
- name: DATABASE_URL
  value: {{ printf "postgres://cairn:$(CAIRN_BUNDLED_POSTGRES_PASSWORD)@%s:5432/cairn" (include "cairn.postgresHost" .) | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalDatabase.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.externalDatabase.existingSecretKey "DATABASE_URL" (ne .Values.externalDatabase.existingSecret "") }}
{{- end }}
{{- if .Values.clickhouse.enabled }}
- name: CAIRN_BUNDLED_CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.clickhouse.auth.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.clickhouse.auth.existingSecretKey "clickhouse-password" (ne .Values.clickhouse.auth.existingSecret "") }}
- name: CLICKHOUSE_URL
  value: {{ printf "http://cairn:$(CAIRN_BUNDLED_CLICKHOUSE_PASSWORD)@%s:8123" (include "cairn.clickhouseHost" .) | quote }}
{{- else }}
- name: CLICKHOUSE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalClickhouse.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.externalClickhouse.existingSecretKey "CLICKHOUSE_URL" (ne .Values.externalClickhouse.existingSecret "") }}
{{- end }}
{{- if and (not .Values.redpanda.enabled) .Values.externalKafka.sasl.mechanism }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalKafka.sasl.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.externalKafka.sasl.existingSecretKey "KAFKA_SASL_PASSWORD" (ne .Values.externalKafka.sasl.existingSecret "") }}
{{- end }}
{{- if or .Values.smtp.url .Values.smtp.existingSecret }}
- name: CAIRN_SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.smtp.existingSecret | default (include "cairn.secretName" .) }}
      key: {{ ternary .Values.smtp.existingSecretKey "CAIRN_SMTP_URL" (ne .Values.smtp.existingSecret "") }}
{{- end }}
{{- if .Values.init.enabled }}
{{- $initSecret := .Values.init.existingSecret | default (include "cairn.secretName" .) }}
- name: CAIRN_INIT_PROJECT_TOKEN
  valueFrom: { secretKeyRef: { name: {{ $initSecret }}, key: CAIRN_INIT_PROJECT_TOKEN } }
- name: CAIRN_INIT_USER_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $initSecret }}, key: CAIRN_INIT_USER_PASSWORD } }
- name: CAIRN_INIT_API_KEY
  valueFrom: { secretKeyRef: { name: {{ $initSecret }}, key: CAIRN_INIT_API_KEY, optional: true } }
{{- end }}
{{- range $name, $_ := .Values.extraSecretEnv }}
- name: {{ $name }}
  valueFrom: { secretKeyRef: { name: {{ include "cairn.secretName" $ }}, key: {{ $name }} } }
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Checksums that roll the pods when their configuration changes. */}}
{{- define "cairn.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end -}}
