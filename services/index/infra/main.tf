terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23"
    }
  }
}

locals {
  labels = { "app.kubernetes.io/name" = "index", "app.kubernetes.io/part-of" = "pantry" }
  port   = 8080
}

resource "kubernetes_deployment_v1" "index" {
  metadata {
    name      = "index"
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
          name  = "index"
          image = var.image
          # 0.0.0.0: inside the pod the default 127.0.0.1 is unreachable from the service.
          args = [
            "--host", "0.0.0.0",
            "--port", tostring(local.port),
            "--data", "/data",
            # One file per pod, so replicas never interleave partial lines.
            "--access-log", "/logs/access-$(POD_NAME).log",
          ]

          env {
            name = "POD_NAME"
            value_from {
              field_ref {
                field_path = "metadata.name"
              }
            }
          }

          dynamic "env" {
            for_each = var.flags
            content {
              name  = "PANTRY_FLAG_${upper(replace(env.key, "-", "_"))}"
              value = env.value
            }
          }

          port {
            name           = "http"
            container_port = local.port
          }

          readiness_probe {
            http_get {
              path = "/simple/"
              port = "http"
            }
          }

          resources {
            requests = { cpu = "100m", memory = "128Mi" }
            limits   = { memory = "256Mi" }
          }

          volume_mount {
            name       = "data"
            mount_path = "/data"
            read_only  = true
          }

          volume_mount {
            name       = "logs"
            mount_path = "/logs"
          }
        }

        volume {
          name = "data"
          persistent_volume_claim {
            claim_name = var.data_claim_name
            read_only  = true
          }
        }

        volume {
          name = "logs"
          persistent_volume_claim {
            claim_name = var.logs_claim_name
          }
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "index" {
  metadata {
    name      = "index"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    selector = local.labels

    port {
      name        = "http"
      port        = 80
      target_port = "http"
    }
  }
}
