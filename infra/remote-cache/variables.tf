variable "namespace" {
  description = "Namespace to deploy the cache into."
  type        = string
}

variable "image" {
  description = "Image with BuildGrid installed from build-support/remote-cache/buildgrid-requirements.txt, pinned by digest (registry/pantry/buildgrid@sha256:...)."
  type        = string
}

variable "storage_class" {
  description = "StorageClass for the CAS volume (ReadWriteOnce, SSD-backed)."
  type        = string
}

variable "cas_size_gib" {
  description = "Size of the CAS volume in GiB. Eviction starts at 80% and stops at 60% of it."
  type        = number
  default     = 200
}

variable "max_cached_refs" {
  description = "Action results kept in memory (least recently used evicted); ~1 KiB of RAM each."
  type        = number
  default     = 1000000
}

variable "thread_pool_size" {
  description = "gRPC worker threads; up to 64 times as many calls queue for them."
  type        = number
  default     = 64
}

variable "tls_secret_name" {
  description = "kubernetes.io/tls Secret (tls.crt, tls.key) for the cache's public hostname."
  type        = string
}

variable "jwt_public_key_secret_name" {
  description = "Secret whose key `jwt-rs256.pub` is the PEM public key that verifies CI write tokens."
  type        = string
}

variable "index_dsn_secret_name" {
  description = "Secret whose key `dsn` is the PostgreSQL URL of the CAS index (postgresql://user:pass@host/db)."
  type        = string
}

variable "allowed_source_ranges" {
  description = "CIDRs allowed to reach the load balancer (contributors' and CI's networks)."
  type        = list(string)
}

variable "memory" {
  description = "Memory request and limit of the server container."
  type        = string
  default     = "4Gi"
}
