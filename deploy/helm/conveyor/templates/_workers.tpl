{{/*
A worker pool's values: workers.defaults deep-merged with workers.pools.<name>. The one
place where a pool's settings are resolved; call with (dict "ctx" $ "name" "<pool>") and
read the result with fromYaml. It adds the derived values:
  grace          terminationGracePeriodSeconds = maxJobSeconds + terminationMarginSeconds
  shutdownGrace  CONVEYOR_SHUTDOWN_GRACE_SECONDS = maxJobSeconds + half the margin: running
                 jobs may finish for that long after SIGTERM; the other half is left for
                 handing back what still runs and exiting before the kubelet's SIGKILL
  cooldown       KEDA's cooldownPeriod (the grace unless set)
  threshold      backlog per replica (the concurrency unless set)
  autoscaled     KEDA scales this pool
*/}}
{{- define "conveyor.pool" -}}
{{- $defaults := deepCopy .ctx.Values.workers.defaults -}}
{{- $pool := mergeOverwrite $defaults (deepCopy (index .ctx.Values.workers.pools .name | default dict)) -}}
{{- $grace := add $pool.maxJobSeconds $pool.terminationMarginSeconds -}}
{{- $_ := set $pool "grace" $grace -}}
{{- $_ = set $pool "shutdownGrace" (add $pool.maxJobSeconds (div $pool.terminationMarginSeconds 2)) -}}
{{- $_ = set $pool "cooldown" (ternary $grace $pool.autoscaling.cooldownPeriod (eq (int $pool.autoscaling.cooldownPeriod) 0)) -}}
{{- $_ = set $pool "threshold" (ternary $pool.concurrency $pool.autoscaling.jobsPerReplica (eq (int $pool.autoscaling.jobsPerReplica) 0)) -}}
{{- $_ = set $pool "autoscaled" (and .ctx.Values.keda.enabled $pool.autoscaling.enabled) -}}
{{- $_ = set $pool "name" .name -}}
{{- toYaml $pool -}}
{{- end -}}

{{- define "conveyor.poolName" -}}
{{- include "conveyor.componentName" (dict "ctx" .ctx "component" (printf "worker-%s" .name)) -}}
{{- end -}}

{{/* The Prometheus query of a pool: the backlog of the queues it serves. */}}
{{- define "conveyor.poolQuery" -}}
{{- printf "sum(max by (queue) (conveyor_queue_backlog{namespace=\"%s\",queue=~\"%s\"}))" .ctx.Release.Namespace (join "|" .pool.queues) -}}
{{- end -}}

{{- define "conveyor.triggerAuthName" -}}
{{- include "conveyor.componentName" (dict "ctx" . "component" "metrics-api") -}}
{{- end -}}
