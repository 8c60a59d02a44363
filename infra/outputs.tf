output "index_url" {
  description = "In-cluster simple index URL."
  value       = module.index.simple_url
}

output "stats_cron_job" {
  description = "Name of the stats CronJob."
  value       = module.stats.cron_job_name
}

output "remote_cache_address" {
  description = "PANTRY_REMOTE_CACHE for in-cluster clients."
  value       = module.remote_cache.in_cluster_address
}
