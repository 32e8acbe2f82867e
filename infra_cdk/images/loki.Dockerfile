# Loki with the platform's config (monitoring/loki), for ECS. Build context: the repository root.
FROM grafana/loki:3.5.3
COPY monitoring/loki/loki.yml /etc/loki/loki.yml
CMD ["-config.file=/etc/loki/loki.yml"]
