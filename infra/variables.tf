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

variable "stats_flags" {
  description = "Feature flags for the stats job, e.g. { \"count-bots\" = \"on\" }."
  type        = map(string)
  default     = {}
}
