{{/*
The pod spec every Cairn process shares: include "cairn.podSpec" (list $ "api" $.Values.api)
*/}}
{{- define "cairn.container" -}}
{{- $ := index . 0 -}}
{{- $mode := index . 1 -}}
name: {{ $mode }}
image: {{ include "cairn.image" (list $ $.Values.image) | quote }}
imagePullPolicy: {{ $.Values.image.pullPolicy }}
args: [{{ $mode | quote }}]
envFrom:
  - configMapRef:
      name: {{ include "cairn.fullname" $ }}
env:
  {{- include "cairn.secretEnv" $ | nindent 2 }}
securityContext:
  {{- toYaml $.Values.securityContext | nindent 2 }}
volumeMounts:
  - { name: tmp, mountPath: /tmp }
  - { name: data, mountPath: /var/lib/cairn }
{{- end -}}

{{- define "cairn.podCommon" -}}
{{- $ := . -}}
serviceAccountName: {{ include "cairn.serviceAccountName" $ }}
automountServiceAccountToken: false
{{- include "cairn.imagePullSecrets" $ }}
securityContext:
  {{- toYaml $.Values.podSecurityContext | nindent 2 }}
volumes:
  - name: tmp
    emptyDir: { medium: Memory, sizeLimit: 64Mi }
  - name: data
    emptyDir: { sizeLimit: 1Gi }
{{- end -}}

{{- define "cairn.deployment" -}}
{{- $ := index . 0 -}}
{{- $mode := index . 1 -}}
{{- $v := index . 2 -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "cairn.fullname" $ }}-{{ $mode }}
  labels:
    {{- include "cairn.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ $mode }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "cairn.selectorLabels" (list $ $mode) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "cairn.labels" $ | nindent 8 }}
        app.kubernetes.io/component: {{ $mode }}
      annotations:
        {{- include "cairn.configChecksums" $ | nindent 8 }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "cairn.podCommon" $ | nindent 6 }}
      terminationGracePeriodSeconds: 30
      containers:
        - {{- include "cairn.container" (list $ $mode) | nindent 10 }}
          ports:
            - { name: http, containerPort: 8000, protocol: TCP }
          livenessProbe:
            {{- toYaml $v.livenessProbe | nindent 12 }}
          readinessProbe:
            {{- toYaml $v.readinessProbe | nindent 12 }}
          startupProbe:
            {{- toYaml $v.startupProbe | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
      {{- with $v.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints: {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "cairn.pdb" -}}
{{- $ := index . 0 -}}
{{- $mode := index . 1 -}}
{{- $v := index . 2 -}}
{{- if $v.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "cairn.fullname" $ }}-{{ $mode }}
  labels:
    {{- include "cairn.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ $mode }}
spec:
  maxUnavailable: {{ $v.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "cairn.selectorLabels" (list $ $mode) | nindent 6 }}
{{- end }}
{{- end -}}

{{- define "cairn.hpa" -}}
{{- $ := index . 0 -}}
{{- $mode := index . 1 -}}
{{- $v := index . 2 -}}
{{- if $v.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "cairn.fullname" $ }}-{{ $mode }}
  labels:
    {{- include "cairn.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ $mode }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "cairn.fullname" $ }}-{{ $mode }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}
