output "service_name" {
  description = "Name of the index Service."
  value       = kubernetes_service_v1.index.metadata[0].name
}

output "simple_url" {
  description = "In-cluster URL of the simple index, for `pip install --index-url`."
  value       = "http://${kubernetes_service_v1.index.metadata[0].name}.${var.namespace}.svc.cluster.local/simple/"
}
