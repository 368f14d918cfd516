{{/*
DNS, for every pod with an egress policy: the cluster's DNS pods in any namespace, and
networkPolicy.dnsCidrs for a resolver that no pod selector matches: NodeLocal DNSCache
runs on the host network (169.254.20.10 by default, and the kube-dns Service's IP when it
intercepts that).
*/}}
{{- define "conveyor.dnsEgress" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  to:
    - namespaceSelector: {}
    {{- range .Values.networkPolicy.dnsCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
{{- end -}}

{{/* Egress every conveyor pod needs: DNS, the database and the broker (in-chart or external). */}}
{{- define "conveyor.backendEgress" -}}
{{ include "conveyor.dnsEgress" . }}
{{- if .Values.postgresql.enabled }}
- ports:
    - port: 5432
      protocol: TCP
  to:
    - podSelector:
        matchLabels:
          {{- include "conveyor.selectorLabels" (dict "ctx" . "component" "postgresql") | nindent 10 }}
{{- end }}
{{- if .Values.redis.enabled }}
- ports:
    - port: 6379
      protocol: TCP
  to:
    - podSelector:
        matchLabels:
          {{- include "conveyor.selectorLabels" (dict "ctx" . "component" "redis") | nindent 10 }}
{{- end }}
{{- if .Values.rabbitmq.enabled }}
- ports:
    - port: 5672
      protocol: TCP
  to:
    - podSelector:
        matchLabels:
          {{- include "conveyor.selectorLabels" (dict "ctx" . "component" "rabbitmq") | nindent 10 }}
{{- end }}
{{- if or (not .Values.postgresql.enabled) .Values.externalBroker.existingSecret }}
- ports:
    {{- range .Values.networkPolicy.externalPorts }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end -}}

{{/* Ingress to an in-chart data service, from conveyor's own pods only (flower too, when it
runs: it reads the broker and the database): (dict "ctx" $ "port" 5432). */}}
{{- define "conveyor.clientsIngress" -}}
- ports:
    - port: {{ .port }}
      protocol: TCP
  from:
    - podSelector:
        matchExpressions:
          - key: app.kubernetes.io/name
            operator: In
            values: [{{ include "conveyor.name" .ctx }}]
          - key: app.kubernetes.io/instance
            operator: In
            values: [{{ .ctx.Release.Name }}]
          - key: app.kubernetes.io/component
            operator: In
            values: [api, worker, beat, migrate{{ if .ctx.Values.flower.enabled }}, flower{{ end }}]
{{- end -}}

{{/* The OTLP receiver's port (otel.endpoint's, else its scheme's). */}}
{{- define "conveyor.otelPort" -}}
{{- $url := urlParse .Values.otel.endpoint -}}
{{- $parts := splitList ":" $url.host -}}
{{- if gt (len $parts) 1 -}}
{{ last $parts }}
{{- else if eq $url.scheme "https" -}}
443
{{- else -}}
80
{{- end -}}
{{- end -}}

{{/* Egress of the pods that export traces (api, workers) to the OTLP receiver, when
otel.endpoint is set: to otel.egressTo's peers, or anywhere, on its port. */}}
{{- define "conveyor.otelEgress" -}}
{{- if .Values.otel.endpoint }}
- ports:
    - port: {{ include "conveyor.otelPort" . }}
      protocol: TCP
  {{- with .Values.otel.egressTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}
