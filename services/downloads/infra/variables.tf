variable "namespace" {
  description = "Kubernetes namespace to deploy into."
  type        = string
}

variable "image" {
  description = "Container image running `python -m downloads serve`, e.g. registry.internal/pantry/downloads:1.0.0."
  type        = string
}

variable "replicas" {
  description = "Number of API pods; all share the database and the cache."
  type        = number
  default     = 2
}

variable "secret_name" {
  description = "Secret with the keys DATABASE_URL (PostgreSQL) and REDIS_URL (Redis), managed outside Terraform so no password is in its state."
  type        = string
}
