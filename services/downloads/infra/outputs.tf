output "service_name" {
  description = "Name of the downloads Service (port 80) inside the namespace."
  value       = kubernetes_service_v1.downloads.metadata[0].name
}
