terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23"
    }
  }
}

locals {
  labels = { "app.kubernetes.io/name" = "downloads", "app.kubernetes.io/part-of" = "pantry" }
}

# The API: stateless pods; the counts live in PostgreSQL, answers are cached in Redis (both
# named by the secret: a managed database in production).
resource "kubernetes_deployment_v1" "downloads" {
  metadata {
    name      = "downloads"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    replicas = var.replicas
    selector {
      match_labels = local.labels
    }

    template {
      metadata {
        labels = local.labels
      }

      spec {
        container {
          name  = "downloads"
          image = var.image
          port {
            container_port = 8081
          }

          dynamic "env" {
            for_each = ["DATABASE_URL", "REDIS_URL"]
            content {
              name = env.value
              value_from {
                secret_key_ref {
                  name = var.secret_name
                  key  = env.value
                }
              }
            }
          }

          readiness_probe {
            http_get {
              path = "/healthz"
              port = 8081
            }
          }

          resources {
            requests = { cpu = "100m", memory = "128Mi" }
            limits   = { memory = "256Mi" }
          }
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "downloads" {
  metadata {
    name      = "downloads"
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    selector = local.labels
    port {
      port        = 80
      target_port = 8081
    }
  }
}
