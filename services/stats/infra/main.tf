terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23"
    }
  }
}

locals {
  labels = { "app.kubernetes.io/name" = "stats", "app.kubernetes.io/part-of" = "pantry" }
}

resource "kubernetes_cron_job_v1" "stats" {
  metadata {
    name      = "stats"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    schedule                      = var.schedule
    concurrency_policy            = "Forbid"
    successful_jobs_history_limit = 3
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = local.labels
      }

      spec {
        backoff_limit = 1

        template {
          metadata {
            labels = local.labels
          }

          spec {
            restart_policy = "Never"

            container {
              name  = "stats"
              image = var.image
              # A shell so the glob picks up every index pod's log file.
              command = ["/bin/sh", "-c"]
              args    = ["exec python -m stats --format json --top ${var.top} /logs/access-*.log"]

              dynamic "env" {
                for_each = var.flags
                content {
                  name  = "PANTRY_FLAG_${upper(replace(env.key, "-", "_"))}"
                  value = env.value
                }
              }

              resources {
                requests = { cpu = "100m", memory = "128Mi" }
                limits   = { memory = "512Mi" }
              }

              volume_mount {
                name       = "logs"
                mount_path = "/logs"
                read_only  = true
              }
            }

            volume {
              name = "logs"
              persistent_volume_claim {
                claim_name = var.logs_claim_name
                read_only  = true
              }
            }
          }
        }
      }
    }
  }
}
