{{/* Names, labels and the pieces every platform pod shares. */}}

{{- define "finops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* RELEASE-finops (or RELEASE when it already holds the chart name), at most 40 characters
so that "<fullname>-<stage>" CronJob names stay within Kubernetes' 52. */}}
{{- define "finops.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "finops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "api"). */}}
{{- define "finops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "finops.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every label of one component's objects: (dict "root" $ "component" "api"). */}}
{{- define "finops.labels" -}}
helm.sh/chart: {{ include "finops.chart" .root }}
{{ include "finops.selectorLabels" . }}
app.kubernetes.io/part-of: finops
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "finops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "finops.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "finops.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* An observability part runs when the stack and the part are both enabled:
(include "finops.runs" (list $ "prometheus")) is "true" or "". */}}
{{- define "finops.runs" -}}
{{- $root := index . 0 }}
{{- $part := index $root.Values.observability (index . 1) }}
{{- if and $root.Values.observability.enabled $part.enabled }}true{{ end }}
{{- end }}

{{/* Log lines are shipped when both Promtail (the sidecars) and Loki run. */}}
{{- define "finops.shipsLogs" -}}
{{- if and (include "finops.runs" (list . "promtail")) (include "finops.runs" (list . "loki")) }}true{{ end }}
{{- end }}

{{- define "finops.pushgatewayUrl" -}}
{{- if .Values.jobs.pushgatewayUrl }}
{{- .Values.jobs.pushgatewayUrl }}
{{- else if include "finops.runs" (list . "pushgateway") }}
{{- print "http://pushgateway:9091" }}
{{- end }}
{{- end }}

{{/* A file of the chart (files/...) that must be there: the monitoring/ files arrive through a
symbolic link, so a chart copied away from the repository fails here, loudly. */}}
{{- define "finops.file" -}}
{{- $content := .root.Files.Get .path }}
{{- if not $content }}
{{- fail (printf "%s is missing or empty: files/monitoring must link to the repository's monitoring/ (package the chart with `helm package` from a checkout)" .path) }}
{{- end }}
{{- $content }}
{{- end }}

{{/* The environment of every platform container (API, migration, stages). */}}
{{- define "finops.env" -}}
- name: FINOPS_ENVIRONMENT
  value: {{ .Values.environment | quote }}
{{- if .Values.database.existingSecret }}
- name: FINOPS_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.urlKey }}
{{- else if not .Values.vault.enabled }}
{{- fail "database.existingSecret is required (the Secret holding FINOPS_DATABASE_URL), unless vault.enabled provides database_url" }}
{{- end }}
{{- with (include "finops.pushgatewayUrl" .) }}
- name: FINOPS_PUSHGATEWAY_URL
  value: {{ . | quote }}
{{- end }}
{{- if .Values.vault.enabled }}
- name: FINOPS_VAULT_ADDR
  value: {{ required "vault.addr is required when vault.enabled" .Values.vault.addr | quote }}
- name: FINOPS_VAULT_MOUNT
  value: {{ .Values.vault.mount | quote }}
- name: FINOPS_VAULT_PATH
  value: {{ .Values.vault.path | quote }}
- name: FINOPS_VAULT_AUTH
  value: {{ .Values.vault.auth | quote }}
{{- if .Values.vault.role }}
- name: FINOPS_VAULT_ROLE
  value: {{ .Values.vault.role | quote }}
{{- end }}
{{- if eq .Values.vault.auth "token" }}
- name: FINOPS_VAULT_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ required "vault.existingSecret is required for token auth" .Values.vault.existingSecret }}
      key: {{ .Values.vault.tokenKey }}
{{- else if eq .Values.vault.auth "approle" }}
- name: FINOPS_VAULT_ROLE_ID
  valueFrom:
    secretKeyRef:
      name: {{ required "vault.existingSecret is required for approle auth" .Values.vault.existingSecret }}
      key: {{ .Values.vault.roleIdKey }}
- name: FINOPS_VAULT_SECRET_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.vault.existingSecret }}
      key: {{ .Values.vault.secretIdKey }}
{{- end }}
{{- end }}
{{- with .Values.aws.region }}
- name: AWS_DEFAULT_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.aws.endpointUrl }}
- name: AWS_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
# the root filesystem is read-only: caches and temporary files go to the /tmp emptyDir
- name: HOME
  value: /tmp
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod security of one component: (dict "uid" 10001). */}}
{{- define "finops.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container security of one container: (dict "uid" 10001). */}}
{{- define "finops.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* The platform image's uid (infra_cdk/images/finops.Dockerfile: useradd --uid 10001). */}}
{{- define "finops.uid" -}}10001{{- end }}

{{/* The Promtail sidecar of the platform pods: (dict "root" $ "native" true) for the native
sidecar (an init container with restartPolicy: Always) of the stage pods, so the Job completes
when the stage does. It runs as the platform's uid, which owns the log files. */}}
{{- define "finops.promtailContainer" -}}
{{- $native := .native }}
{{- with .root -}}
- name: promtail
  {{- if $native }}
  restartPolicy: Always
  {{- end }}
  image: "{{ .Values.observability.promtail.image.repository }}:{{ .Values.observability.promtail.image.tag }}"
  imagePullPolicy: {{ .Values.observability.promtail.image.pullPolicy }}
  args: ["-config.file=/etc/promtail/promtail.yml"]
  ports:
    - name: http-promtail
      containerPort: 9080
  securityContext:
    {{- include "finops.containerSecurityContext" (dict "uid" (include "finops.uid" .)) | nindent 4 }}
  resources:
    {{- toYaml .Values.observability.promtail.resources | nindent 4 }}
  volumeMounts:
    - name: promtail-config
      mountPath: /etc/promtail
      readOnly: true
    - name: logs
      mountPath: /var/log/finops
      readOnly: true
    - name: promtail-positions
      mountPath: /var/lib/promtail
    - name: tmp
      mountPath: /tmp
{{- end }}
{{- end }}

{{/* The volumes the Promtail sidecar and the log file need. */}}
{{- define "finops.logVolumes" -}}
- name: logs
  emptyDir:
    sizeLimit: {{ mul 3 .Values.observability.promtail.maxLogBytes | quote }}
- name: promtail-positions
  emptyDir:
    sizeLimit: 16Mi
- name: promtail-config
  configMap:
    name: {{ include "finops.fullname" . }}-promtail
{{- end }}

{{/* The launcher's volume (files/finops-launch.py). */}}
{{- define "finops.launcherVolume" -}}
- name: launcher
  configMap:
    name: {{ include "finops.fullname" . }}-launcher
{{- end }}
