{{/* Names, labels and the image. */}}

{{- define "conveyor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "conveyor.fullname" -}}
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

{{/* The name of a component's objects: (dict "ctx" $ "component" "api"). */}}
{{- define "conveyor.componentName" -}}
{{- printf "%s-%s" (include "conveyor.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "conveyor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels: name, instance, component (and pool). They never change, so a
Deployment's selector stays valid across upgrades.
Call with (dict "ctx" $ "component" "worker" "pool" "default"); pool is optional.
*/}}
{{- define "conveyor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "conveyor.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- with .pool }}
conveyor.dev/pool: {{ . }}
{{- end }}
{{- end -}}

{{/* Every object's labels: the selector labels plus version, part-of, managed-by, chart. */}}
{{- define "conveyor.labels" -}}
{{ include "conveyor.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: conveyor
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "conveyor.chart" .ctx }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The standard metadata block: (dict "ctx" $ "component" "api" "name" "..." "pool" ...). */}}
{{- define "conveyor.metadata" -}}
name: {{ .name | default (include "conveyor.componentName" .) }}
namespace: {{ .ctx.Release.Namespace }}
labels:
  {{- include "conveyor.labels" . | nindent 2 }}
{{- end -}}

{{- define "conveyor.image" -}}
{{- include "conveyor.imageRef" (dict "ctx" . "image" .Values.image) -}}
{{- end -}}

{{/*
A worker pool's image: its own (workers.defaults.image / workers.pools.<name>.image) when
it names a repository, else the chart's. Call with (dict "ctx" $ "pool" $pool).
*/}}
{{- define "conveyor.poolImage" -}}
{{- $own := .pool.image | default dict -}}
{{- include "conveyor.imageRef" (dict "ctx" .ctx "image" (ternary $own .ctx.Values.image (not (empty $own.repository)))) -}}
{{- end -}}

{{/* repository@digest, else repository:tag (the chart's appVersion when no tag). */}}
{{- define "conveyor.imageRef" -}}
{{- $image := .image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .ctx.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "conveyor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "conveyor.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "conveyor.apiServiceName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "api") -}}
{{- end -}}

{{/* ALLOWED_HOSTS: the Service's DNS names, localhost (probes, port-forward), the ingress host, extras. */}}
{{- define "conveyor.allowedHosts" -}}
{{- $svc := include "conveyor.apiServiceName" . -}}
{{- $ns := .Release.Namespace -}}
{{- $hosts := list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) "localhost" "127.0.0.1" -}}
{{- if .Values.api.ingress.enabled -}}
{{- $hosts = append $hosts .Values.api.ingress.host -}}
{{- end -}}
{{- $hosts = concat $hosts .Values.config.allowedHosts -}}
{{- join "," (uniq $hosts) -}}
{{- end -}}

{{/*
The path prefixes the Ingress routes to the API (a YAML list): the v1 resources (Prefix
matching is per path segment, so /v1/jobs never matches /v1/docs), then what
api.ingress.exposeAdmin, exposeDashboard and exposeDocs turn on. A new v1 resource gets
its prefix here (tests/chart/test_ingress.py checks every route of the URLconf).
*/}}
{{- define "conveyor.ingressPaths" -}}
{{- $i := .Values.api.ingress -}}
{{- $paths := $i.paths | default (list "/v1/jobs" "/v1/job-types" "/v1/queues" "/v1/schedules" "/v1/workers" "/v1/workflows") -}}
{{- if $i.exposeDocs }}{{ $paths = concat $paths (list "/v1/docs" "/v1/schema") }}{{ end -}}
{{- if $i.exposeAdmin }}{{ $paths = append $paths "/admin" }}{{ end -}}
{{- if $i.exposeDashboard }}{{ $paths = append $paths "/dashboard" }}{{ end -}}
{{- if or $i.exposeDocs $i.exposeAdmin $i.exposeDashboard }}{{ $paths = append $paths "/static" }}{{ end -}}
{{- toYaml $paths -}}
{{- end -}}
