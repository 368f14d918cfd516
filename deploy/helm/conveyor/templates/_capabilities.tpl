{{/*
Whether a CRD-backed object renders: call with (dict "ctx" $ "enabled" <true|false|"auto">
"api" "<group>/<version>/<Kind>"); returns "true" or "". "auto" renders it only when the
cluster serves that API (.Capabilities, as `helm install` sees it; `helm template` lists
only built-in APIs, so its users say true or false, or pass --api-versions).
*/}}
{{- define "conveyor.crdEnabled" -}}
{{- if eq (toString .enabled) "auto" -}}
{{- if .ctx.Capabilities.APIVersions.Has .api }}true{{ end -}}
{{- else if eq (toString .enabled) "true" -}}
true
{{- end -}}
{{- end -}}

{{- define "conveyor.kedaEnabled" -}}
{{- include "conveyor.crdEnabled" (dict "ctx" . "enabled" .Values.keda.enabled "api" "keda.sh/v1alpha1/ScaledObject") -}}
{{- end -}}

{{- define "conveyor.serviceMonitorEnabled" -}}
{{- include "conveyor.crdEnabled" (dict "ctx" . "enabled" .Values.monitoring.serviceMonitor.enabled "api" "monitoring.coreos.com/v1/ServiceMonitor") -}}
{{- end -}}

{{- define "conveyor.podMonitorEnabled" -}}
{{- include "conveyor.crdEnabled" (dict "ctx" . "enabled" .Values.monitoring.podMonitor.enabled "api" "monitoring.coreos.com/v1/PodMonitor") -}}
{{- end -}}

{{- define "conveyor.prometheusRuleEnabled" -}}
{{- include "conveyor.crdEnabled" (dict "ctx" . "enabled" .Values.monitoring.prometheusRule.enabled "api" "monitoring.coreos.com/v1/PrometheusRule") -}}
{{- end -}}
