# Pantry's remote cache: one BuildGrid server (REAPI action cache + CAS) behind TLS, with a
# cleanup container that evicts least recently used blobs. Read-only for anonymous callers,
# read-write for CI's JWT; see README.md here for sizing, eviction, rotation and threat model.

terraform {
  required_version = ">= 1.3"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23"
    }
  }
}

locals {
  port           = 50051
  writer_subject = "pantry-ci"
  audience       = "pantry-remote-cache"
  gib            = 1024 * 1024 * 1024
  labels         = { "app.kubernetes.io/name" = "remote-cache", "app.kubernetes.io/part-of" = "pantry" }
}

resource "kubernetes_config_map_v1" "config" {
  metadata {
    name      = "remote-cache-config"
    namespace = var.namespace
    labels    = local.labels
  }
  data = {
    "buildgrid.yml" = templatefile("${path.module}/buildgrid.yml.tftpl", {
      port             = local.port
      writer_subject   = local.writer_subject
      audience         = local.audience
      max_cached_refs  = var.max_cached_refs
      thread_pool_size = var.thread_pool_size
      # Room for several CI jobs' full RPC concurrency at once; the excess queues.
      maximum_concurrent_rpcs = var.thread_pool_size * 64
    })
    "acl.yml" = templatefile("${path.module}/acl.yml.tftpl", {
      writer_subject = local.writer_subject
    })
    "cleanup.yml" = templatefile("${path.module}/cleanup.yml.tftpl", {
      high_watermark_bytes = floor(var.cas_size_gib * 0.8) * local.gib
      low_watermark_bytes  = floor(var.cas_size_gib * 0.6) * local.gib
      batch_size_bytes     = 1 * local.gib
    })
  }
}

resource "kubernetes_persistent_volume_claim_v1" "cas" {
  wait_until_bound = false

  metadata {
    name      = "remote-cache-cas"
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage_class
    resources {
      requests = { storage = "${var.cas_size_gib}Gi" }
    }
  }
}

resource "kubernetes_deployment_v1" "cache" {
  metadata {
    name      = "remote-cache"
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    # One writer of the disk CAS: a ReadWriteOnce volume, so Recreate, never two pods at once.
    replicas = 1
    strategy {
      type = "Recreate"
    }
    selector {
      match_labels = local.labels
    }
    template {
      metadata {
        labels = local.labels
        annotations = {
          # Roll the pod when the rendered configuration changes.
          "pantry/config-sha256" = sha256(jsonencode(kubernetes_config_map_v1.config.data))
        }
      }
      spec {
        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          fs_group        = 10001
        }

        container {
          name  = "buildgrid"
          image = var.image
          args  = ["bgd", "server", "start", "/etc/buildgrid/config/buildgrid.yml"]
          port {
            name           = "grpcs"
            container_port = local.port
          }
          readiness_probe {
            tcp_socket {
              port = local.port
            }
            period_seconds = 10
          }
          resources {
            requests = { cpu = "2", memory = var.memory }
            limits   = { memory = var.memory }
          }
          security_context {
            read_only_root_filesystem  = true
            allow_privilege_escalation = false
            capabilities {
              drop = ["ALL"]
            }
          }
          volume_mount {
            name       = "config"
            mount_path = "/etc/buildgrid/config"
            read_only  = true
          }
          volume_mount {
            name       = "tls"
            mount_path = "/etc/buildgrid/tls"
            read_only  = true
          }
          volume_mount {
            name       = "auth"
            mount_path = "/etc/buildgrid/auth"
            read_only  = true
          }
          volume_mount {
            name       = "db"
            mount_path = "/etc/buildgrid/db"
            read_only  = true
          }
          volume_mount {
            name       = "cas"
            mount_path = "/var/lib/buildgrid"
          }
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
        }

        container {
          name  = "cleanup"
          image = var.image
          args  = ["bgd", "cleanup", "start", "--sleep-interval", "60", "/etc/buildgrid/config/cleanup.yml"]
          resources {
            requests = { cpu = "100m", memory = "256Mi" }
            limits   = { memory = "512Mi" }
          }
          security_context {
            read_only_root_filesystem  = true
            allow_privilege_escalation = false
            capabilities {
              drop = ["ALL"]
            }
          }
          volume_mount {
            name       = "config"
            mount_path = "/etc/buildgrid/config"
            read_only  = true
          }
          volume_mount {
            name       = "db"
            mount_path = "/etc/buildgrid/db"
            read_only  = true
          }
          volume_mount {
            name       = "cas"
            mount_path = "/var/lib/buildgrid"
          }
        }

        volume {
          name = "config"
          config_map {
            name = kubernetes_config_map_v1.config.metadata[0].name
          }
        }
        volume {
          name = "tls"
          secret {
            secret_name = var.tls_secret_name
          }
        }
        volume {
          name = "auth"
          secret {
            secret_name = var.jwt_public_key_secret_name
            items {
              key  = "jwt-rs256.pub"
              path = "jwt-rs256.pub"
            }
          }
        }
        volume {
          name = "db"
          secret {
            secret_name = var.index_dsn_secret_name
            items {
              key  = "dsn"
              path = "dsn"
            }
          }
        }
        volume {
          name = "cas"
          persistent_volume_claim {
            claim_name = kubernetes_persistent_volume_claim_v1.cas.metadata[0].name
          }
        }
        volume {
          name = "tmp"
          empty_dir {}
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "cache" {
  metadata {
    name      = "remote-cache"
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    type                        = "LoadBalancer"
    selector                    = local.labels
    load_balancer_source_ranges = var.allowed_source_ranges
    port {
      name        = "grpcs"
      port        = local.port
      target_port = local.port
    }
  }
}
