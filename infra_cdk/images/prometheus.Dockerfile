# Prometheus with the platform's config and alert rules (monitoring/prometheus), for ECS.
# Build context: the repository root.
FROM prom/prometheus:v3.5.0
COPY monitoring/prometheus/ /etc/prometheus/
