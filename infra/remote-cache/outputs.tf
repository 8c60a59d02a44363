output "service_name" {
  description = "Kubernetes Service of the cache."
  value       = kubernetes_service_v1.cache.metadata[0].name
}

output "in_cluster_address" {
  description = "PANTRY_REMOTE_CACHE for clients inside the cluster (the TLS certificate must name this host)."
  value       = "grpcs://${kubernetes_service_v1.cache.metadata[0].name}.${var.namespace}.svc:${local.port}"
}
