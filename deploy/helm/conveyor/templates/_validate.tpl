{{/*
Cross-field checks values.schema.json cannot express. Every problem is collected, then
the render fails once, listing them all.
*/}}
{{- define "conveyor.validateValues" -}}
{{- $errors := list -}}
{{- $v := .Values -}}

{{- /* the image: nothing is published, so the user builds and pushes one */ -}}
{{- if not $v.image.repository -}}
{{- $tag := default .Chart.AppVersion $v.image.tag -}}
{{- $errors = append $errors (printf "image.repository is empty: no conveyor image is published, build one from the repository's Dockerfile and push it where the cluster pulls from (docker build -t REGISTRY/conveyor:%s . && docker push REGISTRY/conveyor:%s), then set image.repository=REGISTRY/conveyor; on kind, load it instead of pushing (docker build -t conveyor:%s . && kind load docker-image conveyor:%s) and set image.repository=conveyor; see docs/deploy.md" $tag $tag $tag $tag) -}}
{{- end -}}

{{- /* exactly one broker */ -}}
{{- $brokers := list -}}
{{- if $v.redis.enabled }}{{ $brokers = append $brokers "redis.enabled" }}{{ end -}}
{{- if $v.rabbitmq.enabled }}{{ $brokers = append $brokers "rabbitmq.enabled" }}{{ end -}}
{{- if $v.externalBroker.existingSecret }}{{ $brokers = append $brokers "externalBroker.existingSecret" }}{{ end -}}
{{- if ne (len $brokers) 1 -}}
{{- $errors = append $errors (printf "exactly one broker must be chosen, got %d (%s): set one of redis.enabled=true, rabbitmq.enabled=true or externalBroker.existingSecret" (len $brokers) (join ", " $brokers | default "none")) -}}
{{- end -}}

{{- /* the database */ -}}
{{- if and $v.postgresql.enabled $v.externalDatabase.existingSecret -}}
{{- $errors = append $errors "postgresql.enabled=true and externalDatabase.existingSecret are both set: choose the in-chart PostgreSQL or an external database" -}}
{{- end -}}
{{- if and (not $v.postgresql.enabled) (not $v.externalDatabase.existingSecret) -}}
{{- $errors = append $errors "no database: set postgresql.enabled=true or externalDatabase.existingSecret (a Secret with DATABASE_URL)" -}}
{{- end -}}

{{- /* generated credentials need hooks */ -}}
{{- $generated := include "conveyor.neededGeneratedKeys" . | fromJsonArray -}}
{{- if and (not $v.hooks.enabled) $generated -}}
{{- $errors = append $errors (printf "hooks.enabled=false but the chart would have to generate the credentials of %s: without hooks every render would make new passwords; create a Secret and set their existingSecret values" (join ", " $generated)) -}}
{{- end -}}

{{- /* an ingress without TLS: only when asked for */ -}}
{{- $ing := $v.api.ingress -}}
{{- if and $ing.enabled (not $ing.tlsSecret) (not $v.config.https) (not $ing.allowPlainHttp) -}}
{{- $errors = append $errors "api.ingress.enabled=true without api.ingress.tlsSecret: API keys and admin passwords would cross the network in clear text. Set api.ingress.tlsSecret (a TLS Secret for the host), or config.https=true if TLS ends in front of the ingress, or api.ingress.allowPlainHttp=true to accept plain HTTP" -}}
{{- end -}}

{{- /* ingress paths: the probes are never routed */ -}}
{{- range $v.api.ingress.paths -}}
{{- if has (trimSuffix "/" .) (list "" "/healthz" "/readyz") -}}
{{- $errors = append $errors (printf "api.ingress.paths must not route %q: it would expose the health checks (/healthz, /readyz); list the prefixes to route, e.g. /v1/jobs" .) -}}
{{- end -}}
{{- end -}}

{{- /* hosts */ -}}
{{- if has "*" $v.config.allowedHosts -}}
{{- $errors = append $errors "config.allowedHosts must not contain \"*\": list the host names the API is reached by" -}}
{{- end -}}

{{- /* credentials never go through the ConfigMap */ -}}
{{- range $name := list "SECRET_KEY" "DATABASE_URL" "BROKER_URL" "POSTGRES_PASSWORD" "REDIS_PASSWORD" "RABBITMQ_PASSWORD" -}}
{{- if hasKey $v.config.extraEnv $name -}}
{{- $errors = append $errors (printf "config.extraEnv.%s is not allowed: credentials come from Secrets (see the secretKey, externalDatabase and externalBroker values)" $name) -}}
{{- end -}}
{{- end -}}

{{- /* flower controls workers: never without a password */ -}}
{{- if and $v.flower.enabled (not $v.flower.existingSecret) -}}
{{- $errors = append $errors "flower.enabled=true needs flower.existingSecret: a Secret whose key basic-auth is user:password (Flower can control workers, so it never runs open)" -}}
{{- end -}}

{{- /* deletion cost reaches the API server */ -}}
{{- if and $v.workers.deletionCost.enabled $v.networkPolicy.enabled (not $v.networkPolicy.apiServerCidrs) -}}
{{- $errors = append $errors "workers.deletionCost.enabled=true with networkPolicy.enabled=true needs networkPolicy.apiServerCidrs (the Kubernetes API server's addresses), or the workers cannot reach it" -}}
{{- end -}}

{{- /* migrations */ -}}
{{- if ge (int $v.migrations.databaseWaitSeconds) (int $v.migrations.activeDeadlineSeconds) -}}
{{- $errors = append $errors (printf "migrations.databaseWaitSeconds=%d is not below migrations.activeDeadlineSeconds=%d: the Job would be stopped before it migrates" (int $v.migrations.databaseWaitSeconds) (int $v.migrations.activeDeadlineSeconds)) -}}
{{- end -}}

{{- /* podLabels add to the chart's labels, never replace them (selectors depend on them) */ -}}
{{- $podLabels := dict "api" $v.api.podLabels "beat" $v.beat.podLabels "flower" $v.flower.podLabels -}}
{{- range $name, $_ := include "conveyor.pools" $ | fromYaml -}}
{{- $_ := set $podLabels (printf "workers.pools.%s" $name) (include "conveyor.pool" (dict "ctx" $ "name" $name) | fromYaml).podLabels -}}
{{- end -}}
{{- $reserved := list "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component" "app.kubernetes.io/version" "app.kubernetes.io/part-of" "app.kubernetes.io/managed-by" "helm.sh/chart" "conveyor.dev/pool" -}}
{{- range $owner, $labels := $podLabels -}}
{{- range $key, $_ := $labels -}}
{{- if has $key $reserved -}}
{{- $errors = append $errors (printf "%s.podLabels.%s is a label the chart sets on every pod (its selectors use some of them): choose another key" $owner $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* pools */ -}}
{{- $system := list -}}
{{- range $name, $_ := include "conveyor.pools" $ | fromYaml -}}
{{- $pool := include "conveyor.pool" (dict "ctx" $ "name" $name) | fromYaml -}}
{{- if gt (int $pool.maxJobSeconds) (int $v.config.maxJobSeconds) -}}
{{- $errors = append $errors (printf "workers.pools.%s.maxJobSeconds=%d exceeds config.maxJobSeconds=%d (CONVEYOR_MAX_JOB_SECONDS, which the broker's redelivery timeout follows)" $name (int $pool.maxJobSeconds) (int $v.config.maxJobSeconds)) -}}
{{- end -}}
{{- if $pool.autoscaled -}}
{{- if lt (int $pool.cooldown) (int $pool.grace) -}}
{{- $errors = append $errors (printf "workers.pools.%s.autoscaling.cooldownPeriod=%d is shorter than the pool's termination grace %ds: KEDA's scale to zero skips the HPA's stabilization and would cut running jobs short" $name (int $pool.cooldown) (int $pool.grace)) -}}
{{- end -}}
{{- if gt (int $pool.autoscaling.minReplicas) (int $pool.autoscaling.maxReplicas) -}}
{{- $errors = append $errors (printf "workers.pools.%s.autoscaling.minReplicas=%d is above maxReplicas=%d" $name (int $pool.autoscaling.minReplicas) (int $pool.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if gt (int $pool.autoscaling.fallback.replicas) (int $pool.autoscaling.maxReplicas) -}}
{{- $errors = append $errors (printf "workers.pools.%s.autoscaling.fallback.replicas=%d is above maxReplicas=%d" $name (int $pool.autoscaling.fallback.replicas) (int $pool.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if not $pool.scaledQueues -}}
{{- $errors = append $errors (printf "workers.pools.%s is autoscaled but serves only the system queue %q, which has no backlog to scale on: set its autoscaling.enabled=false (fixed replicas) or add a job queue" $name $v.config.systemQueue) -}}
{{- end -}}
{{- if and (eq $pool.autoscaling.trigger "prometheus") (not (include "conveyor.serviceMonitorEnabled" $)) -}}
{{- $errors = append $errors (printf "workers.pools.%s uses the prometheus trigger, but no ServiceMonitor scrapes the API's conveyor_queue_backlog (monitoring.serviceMonitor.enabled=%v%s): install prometheus-operator, set monitoring.serviceMonitor.enabled=true, or use autoscaling.trigger=metrics-api" $name $v.monitoring.serviceMonitor.enabled (ternary " and the cluster has no monitoring.coreos.com/v1 ServiceMonitor API" "" (eq (toString $v.monitoring.serviceMonitor.enabled) "auto"))) -}}
{{- end -}}
{{- if and (eq $pool.autoscaling.trigger "metrics-api") (not $v.keda.metricsApi.existingSecret) -}}
{{- $errors = append $errors (printf "workers.pools.%s uses the metrics-api trigger: set keda.metricsApi.existingSecret to a Secret holding an API key of scope queues:read" $name) -}}
{{- end -}}
{{- end -}}
{{- if has $v.config.systemQueue $pool.queues -}}
{{- $system = append $system $name -}}
{{- if and $pool.autoscaled (lt (int $pool.autoscaling.minReplicas) 1) -}}
{{- $errors = append $errors (printf "workers.pools.%s serves the system queue %q, so it must keep a replica: its autoscaling.minReplicas must be at least 1 (the dispatcher that releases scheduled and retrying jobs runs there)" $name $v.config.systemQueue) -}}
{{- end -}}
{{- if and (not $pool.autoscaled) (lt (int $pool.replicas) 1) -}}
{{- $errors = append $errors (printf "workers.pools.%s serves the system queue %q, so its replicas must be at least 1" $name $v.config.systemQueue) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* the in-chart PostgreSQL takes every connection at the maximum replicas */ -}}
{{- if $v.postgresql.enabled -}}
{{- $need := include "conveyor.databaseConnections" . | int -}}
{{- if lt (int $v.postgresql.maxConnections) $need -}}
{{- $errors = append $errors (printf "postgresql.maxConnections=%d is below the %d connections conveyor may hold with every pool and the api at their maximum replicas (a worker process or thread holds one, its main process two, an api process its pool's and one that listens, plus 10 for beat, flower, the migrations and PostgreSQL's reserve): raise it (and postgresql.resources), or lower the pools' maxReplicas or concurrency" (int $v.postgresql.maxConnections) $need) -}}
{{- end -}}
{{- end -}}
{{- if not $system -}}
{{- $errors = append $errors (printf "no worker pool serves the system queue %q (config.systemQueue): add it to one pool's queues" $v.config.systemQueue) -}}
{{- end -}}

{{- if $errors -}}
{{- fail (printf "\n\nconveyor: invalid values:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}


{{/* The database connections conveyor may hold with every pool and the api at their most. */}}
{{- define "conveyor.databaseConnections" -}}
{{- $total := 10 -}}
{{- range $name, $_ := include "conveyor.pools" . | fromYaml -}}
{{- $pool := include "conveyor.pool" (dict "ctx" $ "name" $name) | fromYaml -}}
{{- $pods := ternary $pool.autoscaling.maxReplicas $pool.replicas $pool.autoscaled -}}
{{- $total = add $total (mul $pods (add $pool.concurrency 2)) -}}
{{- end -}}
{{- $api := .Values.api -}}
{{- $apiPods := ternary $api.autoscaling.maxReplicas $api.replicas $api.autoscaling.enabled -}}
{{- $total = add $total (mul $apiPods $api.gunicorn.workers (add $api.gunicorn.databaseConnections 1)) -}}
{{- $total -}}
{{- end -}}
