{{/* What every conveyor pod shares: settings, security, the wait for migrations. */}}

{{/* The non-secret settings, as a map (the ConfigMap's data; the migrations Job's env). */}}
{{- define "conveyor.configData" -}}
ALLOWED_HOSTS: {{ include "conveyor.allowedHosts" . | quote }}
CONVEYOR_DATA_DIR: /var/lib/conveyor
CONVEYOR_DEMO_JOB_TYPES: {{ .Values.config.demoJobTypes | toString | quote }}
CONVEYOR_HEARTBEAT_FILE: /tmp/conveyor-worker.heartbeat
CONVEYOR_HEARTBEAT_SECONDS: {{ .Values.config.heartbeatSeconds | toString | quote }}
CONVEYOR_HTTPS: {{ include "conveyor.https" . | quote }}
CONVEYOR_JOB_RETENTION_DAYS: {{ .Values.config.jobRetentionDays | toString | quote }}
CONVEYOR_MAX_JOB_SECONDS: {{ .Values.config.maxJobSeconds | toString | quote }}
CONVEYOR_SYSTEM_QUEUE: {{ .Values.config.systemQueue | quote }}
CELERY_WORKER_PREFETCH_MULTIPLIER: {{ .Values.config.prefetchMultiplier | toString | quote }}
{{- if and .Values.flower.enabled .Values.flower.taskEvents }}
CELERY_WORKER_SEND_TASK_EVENTS: "true"
{{- end }}
LOG_FORMAT: {{ .Values.config.logFormat | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
{{- with .Values.otel }}
{{- if .endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ .endpoint | quote }}
OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf
OTEL_TRACES_EXPORTER: otlp
OTEL_TRACES_SAMPLER: {{ .sampler | quote }}
{{- if .samplerArg }}
OTEL_TRACES_SAMPLER_ARG: {{ .samplerArg | quote }}
{{- end }}
{{- if .resourceAttributes }}
OTEL_RESOURCE_ATTRIBUTES: {{ include "conveyor.otelResourceAttributes" . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* otel.resourceAttributes as OTEL_RESOURCE_ATTRIBUTES: key=value,key=value (sorted). */}}
{{- define "conveyor.otelResourceAttributes" -}}
{{- $pairs := list -}}
{{- range $key, $value := .resourceAttributes -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{- define "conveyor.configMapName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "config") -}}
{{- end -}}

{{/* Annotations that roll pods when the settings change. */}}
{{- define "conveyor.checksumAnnotations" -}}
checksum/config: {{ include "conveyor.configData" . | sha256sum }}
{{- end -}}

{{/* The env of an app container: settings from the ConfigMap, credentials from Secrets. */}}
{{- define "conveyor.envFrom" -}}
envFrom:
  - configMapRef:
      name: {{ include "conveyor.configMapName" . }}
{{- end -}}

{{- define "conveyor.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "conveyor.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The release's service account without a token (no conveyor pod needs the API server,
except workers patching their deletion cost), then podHardening.
*/}}
{{- define "conveyor.podTokenless" -}}
serviceAccountName: {{ include "conveyor.serviceAccountName" . }}
automountServiceAccountToken: false
{{ include "conveyor.podHardening" . }}
{{- end -}}

{{/*
No service links, the pod security context and the image pull secrets: for pods that
name their own service account (the workers when deletion cost is on).
*/}}
{{- define "conveyor.podHardening" -}}
enableServiceLinks: false
securityContext:
  {{- include "conveyor.podSecurityContext" . | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Writable paths (the root filesystem is read-only): /tmp and the data dir. */}}
{{- define "conveyor.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
- name: data
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}

{{- define "conveyor.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/conveyor
{{- end -}}

{{/*
The init container that holds a pod until the schema is current: `conveyor migrate
--check` exits non-zero while migrations are pending (or the database is unreachable);
it is retried every 5 s for at most migrations.waitSeconds, then the container fails
and the kubelet restarts it with back-off.
*/}}
{{- define "conveyor.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "conveyor.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - sh
    - -c
    - >-
      deadline=$(( $(date +%s) + {{ .Values.migrations.waitSeconds }} ));
      until conveyor migrate --check >/dev/null; do
      if [ "$(date +%s)" -ge "$deadline" ]; then echo "migrations still pending after {{ .Values.migrations.waitSeconds }}s"; exit 1; fi;
      echo "waiting for migrations"; sleep 5;
      done
  {{- include "conveyor.envFrom" . | nindent 2 }}
  env:
    {{- include "conveyor.secretEnv" . | nindent 4 }}
  securityContext:
    {{- include "conveyor.containerSecurityContext" . | nindent 4 }}
  resources:
    {{- toYaml .Values.migrations.resources | nindent 4 }}
  volumeMounts:
    {{- include "conveyor.volumeMounts" . | nindent 4 }}
{{- end -}}

{{/*
A workload's pod options (the escape hatches), resolved in this one place; call with the
workload's metadata context, (dict "ctx" $ "component" "api") or, for a worker pool,
(dict "ctx" $ "component" "worker" "pool" "<pool>"), and read the result with fromYaml.
A pool's options are conveyor.pool's (workers.defaults with the pool's own values; a map
the pool sets replaces the defaults' whole). The api and worker pods get a soft spread
when their values give none: a preferred anti-affinity by node and a ScheduleAnyway
spread over zones, both selecting only the workload's selector labels (never version or
chart labels, so pods of an old and a new revision count together). Any affinity or
topologySpreadConstraints of the user's own replaces the default whole.
*/}}
{{- define "conveyor.podValues" -}}
{{- $v := dict -}}
{{- if .pool -}}
{{- $v = include "conveyor.pool" (dict "ctx" .ctx "name" .pool) | fromYaml -}}
{{- else -}}
{{- $v = index .ctx.Values .component | deepCopy -}}
{{- end -}}
{{- if has .component (list "api" "worker") -}}
{{- $selector := include "conveyor.selectorLabels" . | fromYaml -}}
{{- if not $v.affinity -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" $selector) -}}
{{- $preferred := list (dict "weight" 100 "podAffinityTerm" $term) -}}
{{- $_ := set $v "affinity" (dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" $preferred)) -}}
{{- end -}}
{{- if not $v.topologySpreadConstraints -}}
{{- $spread := dict "maxSkew" 1 "topologyKey" "topology.kubernetes.io/zone" "whenUnsatisfiable" "ScheduleAnyway" "labelSelector" (dict "matchLabels" $selector) -}}
{{- $_ := set $v "topologySpreadConstraints" (list $spread) -}}
{{- end -}}
{{- end -}}
{{- toYaml $v -}}
{{- end -}}

{{/*
The pod template's metadata: the standard labels, then podLabels (conveyor.validateValues
refuses a chart label there; one commonLabels sets too is left to commonLabels), the
checksums and podAnnotations.
*/}}
{{- define "conveyor.podMetadata" -}}
{{- $v := include "conveyor.podValues" . | fromYaml -}}
{{- $standard := include "conveyor.labels" . | fromYaml -}}
labels:
  {{- include "conveyor.labels" . | nindent 2 }}
  {{- range $key, $value := $v.podLabels }}
  {{- if not (hasKey $standard $key) }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
  {{- end }}
annotations:
  {{- include "conveyor.checksumAnnotations" .ctx | nindent 2 }}
  {{- with $v.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* Where the pod may run: priority, node selector, tolerations, affinity, spread. */}}
{{- define "conveyor.podScheduling" -}}
{{- $v := include "conveyor.podValues" . | fromYaml -}}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
One of a workload's extra lists as YAML, empty when unset: (dict ... "key" "extraEnv");
extraEnv and extraEnvFrom follow the chart's (a later entry wins), extraVolumeMounts go
on the main container and extraVolumes after /tmp's and the data dir's.
*/}}
{{- define "conveyor.podExtra" -}}
{{- with index (include "conveyor.podValues" . | fromYaml) .key -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/* A probe's timing: (dict "probe" <probes.liveness or probes.readiness>). */}}
{{- define "conveyor.probeTiming" -}}
{{- with .probe.initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- end -}}

{{/* HTTPS is on when config.https says so, or the ingress has a TLS Secret. */}}
{{- define "conveyor.https" -}}
{{- $ing := .Values.api.ingress -}}
{{- if or .Values.config.https (and $ing.enabled $ing.tlsSecret) -}}true{{- else -}}false{{- end -}}
{{- end -}}
