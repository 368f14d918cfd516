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
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
      to:
        - namespaceSelector: {}
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
