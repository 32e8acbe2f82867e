{{/* Pieces of the observability parts' manifests. */}}

{{/* A part's PersistentVolumeClaim, or nothing: (dict "root" $ "part" "prometheus"). Kept on
uninstall (helm.sh/resource-policy: keep), so a reinstall finds its data. */}}
{{- define "finops.pvc" -}}
{{- $persistence := (index .root.Values.observability .part).persistence }}
{{- if $persistence.enabled }}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "finops.fullname" .root }}-{{ .part }}
  labels:
    {{- include "finops.labels" (dict "root" .root "component" .part) | nindent 4 }}
  annotations:
    helm.sh/resource-policy: keep
spec:
  accessModes: ["ReadWriteOnce"]
  {{- with $persistence.storageClass }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ $persistence.size | quote }}
{{- end }}
{{- end }}

{{/* A part's data volume: its claim when persistence is on, else an emptyDir. */}}
{{- define "finops.dataVolume" -}}
{{- $persistence := (index .root.Values.observability .part).persistence }}
- name: data
{{- if $persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "finops.fullname" .root }}-{{ .part }}
{{- else }}
  emptyDir:
    sizeLimit: {{ $persistence.size | quote }}
{{- end }}
{{- end }}

{{/* The start of a part's pod spec (security, pull secrets); (dict "root" $ "uid" 65534). */}}
{{- define "finops.partPodSpec" -}}
automountServiceAccountToken: false
securityContext:
  {{- include "finops.podSecurityContext" (dict "uid" .uid) | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A part's image: (index .Values.observability "prometheus").image */}}
{{- define "finops.partImage" -}}
image: "{{ .repository }}:{{ .tag }}"
imagePullPolicy: {{ .pullPolicy }}
{{- end }}

{{/* A part's Service, named after the host the monitoring files use:
(dict "root" $ "part" "prometheus" "name" "prometheus" "port" 9090). */}}
{{- define "finops.partService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "finops.labels" (dict "root" .root "component" .part) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "finops.selectorLabels" (dict "root" .root "component" .part) | nindent 4 }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: http
{{- end }}
