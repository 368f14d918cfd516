{{/* Shared by the in-chart PostgreSQL, Redis and RabbitMQ: they run as the official image's own non-root user. */}}
{{- define "conveyor.datastorePodSecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
fsGroup: 999
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The pod template labels of an in-chart datastore: the standard labels without the chart's
and the app's version. A pod template that changes restarts the pod, and a database or
broker should restart when its own image or settings change, not on every chart release.
*/}}
{{- define "conveyor.datastorePodLabels" -}}
{{ include "conveyor.selectorLabels" . }}
app.kubernetes.io/part-of: conveyor
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "conveyor.datastoreAnnotations" -}}
checkov.io/skip1: CKV_K8S_40=the official image's own user (uid 999) owns its data files; it is non-root
{{- end -}}

{{/* A headless Service for a StatefulSet: (dict "ctx" $ "component" "redis" "port" 6379 "portName" "redis"). */}}
{{- define "conveyor.datastoreService" -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "conveyor.metadata" . | nindent 2 }}
spec:
  clusterIP: None
  selector:
    {{- include "conveyor.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .portName }}
      port: {{ .port }}
      targetPort: {{ .portName }}
      protocol: TCP
{{- end -}}

{{/* Only conveyor's pods reach a data service: (dict "ctx" $ "component" "redis" "port" 6379). */}}
{{- define "conveyor.datastoreNetworkPolicy" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "conveyor.metadata" . | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      {{- include "conveyor.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- include "conveyor.clientsIngress" . | nindent 4 }}
  egress:
    {{- include "conveyor.dnsEgress" .ctx | nindent 4 }}
{{- end -}}

{{- define "conveyor.volumeClaim" -}}
- metadata:
    name: data
    labels:
      {{- include "conveyor.selectorLabels" . | nindent 6 }}
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .persistence.storageClass }}
    storageClassName: {{ . }}
    {{- end }}
    resources:
      requests:
        storage: {{ .persistence.size }}
{{- end -}}

{{/*
The in-chart PostgreSQL's initContainer script: on a data dir that is already initialised
(the official image applies POSTGRES_PASSWORD on the first start only), set the role's
password to the one its Secret holds now, in single-user mode before the server starts.
The password goes through a here-document (never an argument or a log line), quoted as an
SQL literal ('' for '; standard_conforming_strings keeps backslashes literal); the role
as an identifier ("" for ").
*/}}
{{- define "conveyor.postgresqlAdoptPasswordScript" -}}
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "adopt-password: no database in $PGDATA yet; its first start sets the password"
  exit 0
fi
role=$(printf '%s' "$POSTGRES_USER" | sed 's/"/""/g')
password=$(printf '%s' "$POSTGRES_PASSWORD" | sed "s/'/''/g")
# Single-user mode exits 0 after an SQL error: its messages tell. They never quote the
# statement (log_min_error_statement=panic), which holds the password. A postmaster.pid
# left by a killed server names PID 1, which is this shell here, postgres's parent: a lock
# naming its parent is stale to PostgreSQL, as after a reboot.
status=0
errors=$(postgres --single -j -c log_min_error_statement=panic -D "$PGDATA" postgres 2>&1 >/dev/null <<SQL
ALTER ROLE "$role" WITH PASSWORD '$password';

SQL
) || status=$?
if [ "$status" -ne 0 ] || printf '%s\n' "$errors" | grep -qE '(ERROR|FATAL|PANIC):'; then
  printf '%s\n' "$errors" >&2
  echo "adopt-password: could not set the password of role $POSTGRES_USER in the kept data (was postgresql.auth.username changed after the first install?)" >&2
  exit 1
fi
echo "adopt-password: role $POSTGRES_USER has the password its Secret holds"
{{- end -}}

{{/*
The in-chart RabbitMQ's postStart script: once the node has started, set the user's
password to the one its Secret holds now (RABBITMQ_DEFAULT_PASS seeds an empty data dir
only). The pod is not ready, so not in its Service, until this has run; if it fails, the
kubelet restarts the container and it runs again.
*/}}
{{- define "conveyor.rabbitmqAdoptPasswordScript" -}}
set -eu
deadline=$(( $(date +%s) + {{ .waitSeconds }} ))
until rabbitmqctl --quiet await_startup >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "adopt-password: the node did not start within {{ .waitSeconds }} s" >&2
    exit 1
  fi
  sleep 2
done
# the password on standard input, not in the process list
printf '%s' "$RABBITMQ_DEFAULT_PASS" | rabbitmqctl --quiet change_password "$RABBITMQ_DEFAULT_USER" >/dev/null
echo "adopt-password: user $RABBITMQ_DEFAULT_USER has the password its Secret holds"
{{- end -}}

{{/* The Redis container's start: the password from $REDIS_PASSWORD into a private config
file, then redis-server reading it (tests/chart/test_redis_password.py runs it). */}}
{{- define "conveyor.redisStart" -}}
umask 077 && printf 'requirepass "%s"\n' "$REDIS_PASSWORD" > /tmp/redis.conf && exec redis-server /tmp/redis.conf --appendonly yes --save '' --dir /data
{{- end -}}
