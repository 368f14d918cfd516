{{/*
The pools, by name, as YAML: exactly the entries of workers.pools (a null entry is no
pool). A pool named "default" starts from the built-in one, which serves the default
queue and the system queue and keeps a replica; when workers.pools lists nothing, that
pool alone runs. So pools can be renamed or removed by listing the ones wanted, which
Helm's merge of maps would not allow if the default pool lived in values.yaml.
*/}}
{{- define "conveyor.pools" -}}
{{- $builtin := dict "queues" (list "default" .Values.config.systemQueue) "autoscaling" (dict "minReplicas" 1) -}}
{{- $pools := dict -}}
{{- range $name, $pool := .Values.workers.pools -}}
{{- if kindIs "map" $pool -}}
{{- $_ := set $pools $name $pool -}}
{{- end -}}
{{- end -}}
{{- if not $pools -}}
{{- $_ := set $pools "default" dict -}}
{{- end -}}
{{- if hasKey $pools "default" -}}
{{- $_ := set $pools "default" (mergeOverwrite (deepCopy $builtin) (deepCopy (index $pools "default"))) -}}
{{- end -}}
{{- toYaml $pools -}}
{{- end -}}

{{/*
A worker pool's values: workers.defaults deep-merged with its entry in conveyor.pools,
except resources and the pod options (priorityClassName, podLabels, podAnnotations,
nodeSelector, tolerations, affinity, topologySpreadConstraints and the extra lists),
which a pool that sets them replaces whole (a pool asking for {cpu: 500m} must not
inherit the defaults' cpu limit, nor a pool's affinity half of the defaults'; a pool's
`affinity: {}` brings back the chart's default spread). probes merge field by field. The one place where a pool's
settings are resolved; call with (dict "ctx" $ "name" "<pool>") and read the result with
fromYaml. It adds the derived values:
  grace          terminationGracePeriodSeconds = maxJobSeconds + terminationMarginSeconds
  shutdownGrace  CONVEYOR_SHUTDOWN_GRACE_SECONDS = maxJobSeconds + half the margin: running
                 jobs may finish for that long after SIGTERM; the other half is left for
                 handing back what still runs and exiting before the kubelet's SIGKILL
  cooldown       KEDA's cooldownPeriod (the grace unless set)
  threshold      backlog per replica (the concurrency unless set)
  autoscaled     KEDA scales this pool
  scaledQueues   the queues its triggers read: its queues but the system queue, whose
                 messages are the dispatcher's, not jobs (the API has no backlog for it)
*/}}
{{- define "conveyor.pool" -}}
{{- $own := index (include "conveyor.pools" .ctx | fromYaml) .name | default dict -}}
{{- $pool := mergeOverwrite (deepCopy .ctx.Values.workers.defaults) (deepCopy $own) -}}
{{- range $key := list "resources" "priorityClassName" "podLabels" "podAnnotations" "nodeSelector" "tolerations" "affinity" "topologySpreadConstraints" "extraEnv" "extraEnvFrom" "extraVolumes" "extraVolumeMounts" -}}
{{- if hasKey $own $key -}}
{{- $_ := set $pool $key (deepCopy (index $own $key)) -}}
{{- end -}}
{{- end -}}
{{- $grace := add $pool.maxJobSeconds $pool.terminationMarginSeconds -}}
{{- $_ := set $pool "grace" $grace -}}
{{- $_ = set $pool "shutdownGrace" (add $pool.maxJobSeconds (div $pool.terminationMarginSeconds 2)) -}}
{{- $_ = set $pool "cooldown" (ternary $grace $pool.autoscaling.cooldownPeriod (eq (int $pool.autoscaling.cooldownPeriod) 0)) -}}
{{- $_ = set $pool "threshold" (ternary $pool.concurrency $pool.autoscaling.jobsPerReplica (eq (int $pool.autoscaling.jobsPerReplica) 0)) -}}
{{- $_ = set $pool "autoscaled" (and (include "conveyor.kedaEnabled" .ctx | eq "true") $pool.autoscaling.enabled) -}}
{{- $_ = set $pool "scaledQueues" (without $pool.queues .ctx.Values.config.systemQueue) -}}
{{- $_ = set $pool "name" .name -}}
{{- toYaml $pool -}}
{{- end -}}

{{- define "conveyor.poolName" -}}
{{- include "conveyor.componentName" (dict "ctx" .ctx "component" (printf "worker-%s" .name)) -}}
{{- end -}}

{{/* The Prometheus query of a pool: the backlog of the queues it serves. */}}
{{- define "conveyor.poolQuery" -}}
{{- printf "sum(max by (queue) (conveyor_queue_backlog{namespace=\"%s\",queue=~\"%s\"}))" .ctx.Release.Namespace (join "|" .pool.scaledQueues) -}}
{{- end -}}

{{- define "conveyor.triggerAuthName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "metrics-api") -}}
{{- end -}}
