# Grafana with the platform's provisioning and dashboards (monitoring/grafana), for ECS.
# Build context: the repository root.
FROM grafana/grafana:12.1.1
COPY monitoring/grafana/provisioning/ /etc/grafana/provisioning/
COPY monitoring/grafana/dashboards/ /var/lib/grafana/dashboards/
