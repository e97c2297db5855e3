{{/*
Names. fullname is the release name when it already contains the chart name (the quick start:
release "kindling" -> "kindling"), else "<release>-kindling"; truncated to 63 characters.
*/}}
{{- define "kindling.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kindling.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kindling.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object; selectorLabels take a component: (dict "ctx" . "component" "operator"). */}}
{{- define "kindling.labels" -}}
helm.sh/chart: {{ include "kindling.chart" . }}
app.kubernetes.io/name: {{ include "kindling.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kindling
{{- end }}

{{- define "kindling.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kindling.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Object names shared with the operator (its env) and with the examples. */}}
{{- define "kindling.operatorName" -}}
{{- printf "%s-operator" (include "kindling.fullname" .) }}
{{- end }}

{{- define "kindling.coordinatorClusterRole" -}}
{{- printf "%s-coordinator" (include "kindling.fullname" .) }}
{{- end }}

{{- define "kindling.minioName" -}}
{{- printf "%s-minio" (include "kindling.fullname" .) }}
{{- end }}

{{- define "kindling.minioSecretName" -}}
{{- printf "%s-minio-creds" (include "kindling.fullname" .) }}
{{- end }}

{{/* The one image: operator, coordinator, workers and the seed Job. */}}
{{- define "kindling.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The S3 defaults the operator hands to jobs; the chart's MinIO fills them in when they are empty. */}}
{{- define "kindling.s3Endpoint" -}}
{{- if .Values.defaults.s3.endpoint }}
{{- .Values.defaults.s3.endpoint }}
{{- else if .Values.minio.enabled }}
{{- printf "http://%s.%s.svc:9000" (include "kindling.minioName" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{- define "kindling.credentialsSecret" -}}
{{- if .Values.defaults.s3.credentialsSecret }}
{{- .Values.defaults.s3.credentialsSecret }}
{{- else if .Values.minio.enabled }}
{{- include "kindling.minioSecretName" . }}
{{- end }}
{{- end }}

{{/* A restricted-profile container securityContext (non-root 10001, read-only root, no capabilities). */}}
{{- define "kindling.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The operator's rules, the same in its ClusterRole (all namespaces) and in its Role per watched
namespace. Keep in step with README.md "Helm chart" and test/chart/chart-cluster.test.ts.
*/}}
{{- define "kindling.operatorRules" -}}
# KindlingJobs: watch them, never change their spec; report through the status subresource.
- apiGroups: ["kindling.dev"]
  resources: ["kindlingjobs"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["kindling.dev"]
  resources: ["kindlingjobs/status"]
  verbs: ["get", "patch", "update"]
# Owner references with blockOwnerDeletion on the job's children need this where the
# OwnerReferencesPermissionEnforcement admission plugin is on (OpenShift, some hardened clusters).
- apiGroups: ["kindling.dev"]
  resources: ["kindlingjobs/finalizers"]
  verbs: ["update"]
# A job's coordinator pod, its Service and its token Secret.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "delete"]
{{- if .Values.networkPolicy.enabled }}
# The NetworkPolicy that admits only the job's worker pods to its coordinator.
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "create", "delete"]
{{- end }}
# The coordinator's ServiceAccount and its RoleBinding to the coordinator ClusterRole, per namespace.
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["get", "create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["get", "create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
  resourceNames: [{{ include "kindling.coordinatorClusterRole" . | quote }}]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
