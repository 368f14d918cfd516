{{/*
Where each credential comes from: an existing Secret named in the values, or the Secret
the chart generates once at install (a pre-install hook, see config/secret-generated.yaml).
The in-chart datastores take their password from the same place on every start
(postgresql/statefulset.yaml, rabbitmq/statefulset.yaml, redis/statefulset.yaml), so a
Secret made anew (a reinstall) never locks the app out of a kept volume.
Every template asks these helpers; none decides on its own.
*/}}

{{- define "conveyor.generatedSecretName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "generated") -}}
{{- end -}}

{{/*
The generated Secret's keys: every credential the chart could ever generate, under fixed
names the chart owns, whatever is enabled or comes from an existingSecret at install. The
Secret is created at install only (a pre-install hook), so a later upgrade that enables
another in-chart service, or drops an existingSecret, finds its key already there.
*/}}
{{- define "conveyor.generatedKeys" -}}
{{- toJson (list "secret-key" "postgresql-password" "redis-password" "rabbitmq-password") -}}
{{- end -}}

{{/* The credentials this render needs generated (empty when all come from existing Secrets). */}}
{{- define "conveyor.neededGeneratedKeys" -}}
{{- $keys := list -}}
{{- if not .Values.secretKey.existingSecret -}}{{- $keys = append $keys "secretKey" -}}{{- end -}}
{{- if and .Values.postgresql.enabled (not .Values.postgresql.auth.existingSecret) -}}{{- $keys = append $keys "postgresql.auth" -}}{{- end -}}
{{- if and .Values.redis.enabled (not .Values.redis.auth.existingSecret) -}}{{- $keys = append $keys "redis.auth" -}}{{- end -}}
{{- if and .Values.rabbitmq.enabled (not .Values.rabbitmq.auth.existingSecret) -}}{{- $keys = append $keys "rabbitmq.auth" -}}{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/*
A secretKeyRef: (dict "ctx" $ "existing" "<Secret name or empty>" "key" "<key in it>"
"generated" "<the generated Secret's key>"). The key values name a key of an existing
Secret only; the generated Secret's keys are fixed.
*/}}
{{- define "conveyor.secretKeyRef" -}}
secretKeyRef:
  {{- if .existing }}
  name: {{ .existing }}
  key: {{ .key }}
  {{- else }}
  name: {{ include "conveyor.generatedSecretName" .ctx }}
  key: {{ .generated }}
  {{- end }}
{{- end -}}

{{- define "conveyor.postgresqlName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "postgresql") -}}
{{- end -}}
{{- define "conveyor.redisName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "redis") -}}
{{- end -}}
{{- define "conveyor.rabbitmqName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "rabbitmq") -}}
{{- end -}}

{{/*
The env entries that carry credentials: SECRET_KEY, DATABASE_URL, BROKER_URL. An
in-chart service's URL is composed from its password variable with Kubernetes' $(VAR)
expansion, so no password is ever written into a manifest.
*/}}
{{- define "conveyor.secretEnv" -}}
- name: SECRET_KEY
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.secretKey.existingSecret "key" .Values.secretKey.key "generated" "secret-key") | nindent 4 }}
{{- if .Values.postgresql.enabled }}
- name: POSTGRES_PASSWORD
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.postgresql.auth.existingSecret "key" .Values.postgresql.auth.passwordKey "generated" "postgresql-password") | nindent 4 }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(POSTGRES_PASSWORD)@%s:5432/%s" .Values.postgresql.auth.username (include "conveyor.postgresqlName" .) .Values.postgresql.auth.database | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.externalDatabase.existingSecret "key" .Values.externalDatabase.urlKey) | nindent 4 }}
{{- end }}
{{- if .Values.redis.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.redis.auth.existingSecret "key" .Values.redis.auth.passwordKey "generated" "redis-password") | nindent 4 }}
- name: BROKER_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:6379/0" (include "conveyor.redisName" .) | quote }}
{{- else if .Values.rabbitmq.enabled }}
- name: RABBITMQ_PASSWORD
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.rabbitmq.auth.existingSecret "key" .Values.rabbitmq.auth.passwordKey "generated" "rabbitmq-password") | nindent 4 }}
- name: BROKER_URL
  value: {{ printf "amqp://%s:$(RABBITMQ_PASSWORD)@%s:5672/" .Values.rabbitmq.auth.username (include "conveyor.rabbitmqName" .) | quote }}
{{- else }}
- name: BROKER_URL
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.externalBroker.existingSecret "key" .Values.externalBroker.urlKey) | nindent 4 }}
{{- end }}
{{- if and .Values.otel.endpoint .Values.otel.headersSecret }}
- name: OTEL_EXPORTER_OTLP_HEADERS
  valueFrom:
    {{- include "conveyor.secretKeyRef" (dict "ctx" . "existing" .Values.otel.headersSecret "key" .Values.otel.headersKey) | nindent 4 }}
{{- end }}
{{- end -}}
