# The pantry deployment: one namespace, the shared volumes, and each service's
# own module (which lives beside the service's code).

terraform {
  required_version = ">= 1.3"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23"
    }
  }
}

provider "kubernetes" {
  config_path    = var.kubeconfig
  config_context = var.kube_context
}

resource "kubernetes_namespace_v1" "pantry" {
  metadata {
    name = var.namespace
  }
}

# Distributions, written by whatever uploads packages and read by every index pod.
resource "kubernetes_persistent_volume_claim_v1" "data" {
  # WaitForFirstConsumer classes bind only once a pod mounts the claim, and the
  # pods come from the modules below: waiting here would never finish.
  wait_until_bound = false

  metadata {
    name      = "index-data"
    namespace = kubernetes_namespace_v1.pantry.metadata[0].name
  }
  spec {
    access_modes       = ["ReadWriteMany"]
    storage_class_name = var.storage_class
    resources {
      requests = { storage = var.data_size }
    }
  }
}

# Access logs: index pods write them, the stats job reads them.
resource "kubernetes_persistent_volume_claim_v1" "logs" {
  wait_until_bound = false

  metadata {
    name      = "index-logs"
    namespace = kubernetes_namespace_v1.pantry.metadata[0].name
  }
  spec {
    access_modes       = ["ReadWriteMany"]
    storage_class_name = var.storage_class
    resources {
      requests = { storage = var.logs_size }
    }
  }
}

module "index" {
  source = "../services/index/infra"

  namespace       = kubernetes_namespace_v1.pantry.metadata[0].name
  image           = var.index_image
  replicas        = var.index_replicas
  data_claim_name = kubernetes_persistent_volume_claim_v1.data.metadata[0].name
  logs_claim_name = kubernetes_persistent_volume_claim_v1.logs.metadata[0].name
  flags           = var.index_flags
}

module "stats" {
  source = "../services/stats/infra"

  namespace       = kubernetes_namespace_v1.pantry.metadata[0].name
  image           = var.stats_image
  logs_claim_name = kubernetes_persistent_volume_claim_v1.logs.metadata[0].name
  flags           = var.stats_flags
}

module "downloads" {
  source = "../services/downloads/infra"

  namespace   = kubernetes_namespace_v1.pantry.metadata[0].name
  image       = var.downloads_image
  secret_name = var.downloads_secret_name
}

# The shared remote cache for Pants (BuildGrid): CI writes with a credential, everyone else
# reads. It lives here, not beside a service, because it serves the whole repository.
module "remote_cache" {
  source = "./remote-cache"

  namespace                  = kubernetes_namespace_v1.pantry.metadata[0].name
  image                      = var.remote_cache_image
  storage_class              = var.remote_cache_storage_class
  cas_size_gib               = var.remote_cache_cas_size_gib
  tls_secret_name            = var.remote_cache_tls_secret_name
  jwt_public_key_secret_name = var.remote_cache_jwt_public_key_secret_name
  index_dsn_secret_name      = var.remote_cache_index_dsn_secret_name
  allowed_source_ranges      = var.remote_cache_allowed_source_ranges
}
