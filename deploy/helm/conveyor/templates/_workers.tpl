{{/*
A worker pool's values: workers.defaults deep-merged with workers.pools.<name>. The one
place where a pool's settings are resolved; call with (dict "ctx" $ "name" "<pool>") and
read the result with fromYaml. It adds the derived values:
  grace          terminationGracePeriodSeconds = maxJobSeconds + terminationMarginSeconds
  cooldown       KEDA's cooldownPeriod (the grace unless set)
  threshold      backlog per replica (the concurrency unless set)
  autoscaled     KEDA scales this pool
  scaledQueues   the queues its triggers read: its queues but the system queue, whose
                 messages are the dispatcher's, not jobs (the API has no backlog for it)
*/}}
{{- define "conveyor.pool" -}}
{{- $defaults := deepCopy .ctx.Values.workers.defaults -}}
{{- $pool := mergeOverwrite $defaults (deepCopy (index .ctx.Values.workers.pools .name | default dict)) -}}
{{- $grace := add $pool.maxJobSeconds $pool.terminationMarginSeconds -}}
{{- $_ := set $pool "grace" $grace -}}
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
