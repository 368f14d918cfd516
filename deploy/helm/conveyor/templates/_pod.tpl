{{/* What every conveyor pod shares: settings, security, the wait for migrations. */}}

{{/* The non-secret settings, as a map (the ConfigMap's data; the migrations Job's env). */}}
{{- define "conveyor.configData" -}}
ALLOWED_HOSTS: {{ include "conveyor.allowedHosts" . | quote }}
CONVEYOR_DATA_DIR: /var/lib/conveyor
CONVEYOR_HEARTBEAT_FILE: /tmp/conveyor-worker.heartbeat
CONVEYOR_HEARTBEAT_SECONDS: {{ .Values.config.heartbeatSeconds | toString | quote }}
CONVEYOR_HTTPS: {{ .Values.config.https | toString | quote }}
CONVEYOR_JOB_RETENTION_DAYS: {{ .Values.config.jobRetentionDays | toString | quote }}
CONVEYOR_MAX_JOB_SECONDS: {{ .Values.config.maxJobSeconds | toString | quote }}
CONVEYOR_SYSTEM_QUEUE: {{ .Values.config.systemQueue | quote }}
CELERY_WORKER_PREFETCH_MULTIPLIER: {{ .Values.config.prefetchMultiplier | toString | quote }}
{{- if and .Values.flower.enabled .Values.flower.taskEvents }}
CELERY_WORKER_SEND_TASK_EVENTS: "true"
{{- end }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
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
