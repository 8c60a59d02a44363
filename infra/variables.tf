variable "kubeconfig" {
  description = "Path to the kubeconfig used to reach the cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context to deploy to; null uses the current context."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace for all pantry services."
  type        = string
  default     = "pantry"
}

variable "storage_class" {
  description = "StorageClass providing ReadWriteMany volumes (e.g. an NFS or EFS class)."
  type        = string
}

variable "data_size" {
  description = "Size of the distributions volume."
  type        = string
  default     = "20Gi"
}

variable "logs_size" {
  description = "Size of the access log volume."
  type        = string
  default     = "5Gi"
}

variable "index_image" {
  description = "Image for services/index."
  type        = string
}

variable "index_replicas" {
  description = "Number of index pods."
  type        = number
  default     = 2
}

variable "index_flags" {
  description = "Feature flags for the index, e.g. { \"serve-json\" = \"25%\" }."
  type        = map(string)
  default     = {}
}

variable "stats_image" {
  description = "Image for services/stats."
  type        = string
}

variable "downloads_image" {
  description = "Image for services/downloads."
  type        = string
}

variable "downloads_secret_name" {
  description = "Secret in the namespace with DATABASE_URL and REDIS_URL for services/downloads."
  type        = string
  default     = "downloads"
}

variable "stats_flags" {
  description = "Feature flags for the stats job, e.g. { \"count-bots\" = \"on\" }."
  type        = map(string)
  default     = {}
}

variable "remote_cache_image" {
  description = "BuildGrid image for the remote cache, pinned by digest (see infra/remote-cache/README.md)."
  type        = string
}

variable "remote_cache_storage_class" {
  description = "StorageClass for the remote cache's CAS volume (ReadWriteOnce, SSD)."
  type        = string
}

variable "remote_cache_cas_size_gib" {
  description = "Remote cache CAS volume size in GiB."
  type        = number
  default     = 200
}

variable "remote_cache_tls_secret_name" {
  description = "kubernetes.io/tls Secret for the remote cache's hostname."
  type        = string
  default     = "remote-cache-tls"
}

variable "remote_cache_jwt_public_key_secret_name" {
  description = "Secret with `jwt-rs256.pub`, the key that verifies CI's write token."
  type        = string
  default     = "remote-cache-jwt"
}

variable "remote_cache_index_dsn_secret_name" {
  description = "Secret with `dsn`, the PostgreSQL URL of the remote cache's CAS index."
  type        = string
  default     = "remote-cache-index-db"
}

variable "remote_cache_allowed_source_ranges" {
  description = "CIDRs that may reach the remote cache (CI runners, office/VPN ranges)."
  type        = list(string)
}
