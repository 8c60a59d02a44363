variable "namespace" {
  description = "Kubernetes namespace to deploy into."
  type        = string
}

variable "image" {
  description = "Container image running `python -m index`, e.g. registry.internal/pantry/index:1.4.0."
  type        = string
}

variable "replicas" {
  description = "Number of index pods; all serve the same data volume."
  type        = number
  default     = 2
}

variable "data_claim_name" {
  description = "PersistentVolumeClaim holding the distributions (mounted read-only at /data)."
  type        = string
}

variable "logs_claim_name" {
  description = "PersistentVolumeClaim for the JSON access log that services/stats reads (mounted at /logs)."
  type        = string
}

variable "flags" {
  description = "Feature flags by name, set as PANTRY_FLAG_<NAME> variables, e.g. { \"serve-json\" = \"on\" }."
  type        = map(string)
  default     = {}
}
