variable "namespace" {
  description = "Kubernetes namespace to deploy into."
  type        = string
}

variable "image" {
  description = "Container image running `python -m stats`, e.g. registry.internal/pantry/stats:1.0.0."
  type        = string
}

variable "schedule" {
  description = "Cron schedule for the report job (UTC)."
  type        = string
  default     = "15 * * * *"
}

variable "logs_claim_name" {
  description = "PersistentVolumeClaim with the index access logs (mounted read-only at /logs)."
  type        = string
}

variable "top" {
  description = "Rows per table in the report (--top)."
  type        = number
  default     = 50
}

variable "flags" {
  description = "Feature flags by name, set as PANTRY_FLAG_<NAME> variables, e.g. { \"count-bots\" = \"off\" }."
  type        = map(string)
  default     = {}
}
