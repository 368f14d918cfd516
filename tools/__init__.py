"""What builds and simulates conveyor, kept out of the shipped packages and out of tests.

``image`` builds the container image, ``manifests`` renders deploy/k8s from the chart
(both through ``helm``, Helm's real engine), and ``autoscale`` is a local stand-in for
KEDA and the HPA with the demo ``make autoscale-demo`` runs.
"""
