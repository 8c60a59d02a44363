output "cron_job_name" {
  description = "Name of the stats CronJob (its report is in each job's pod log)."
  value       = kubernetes_cron_job_v1.stats.metadata[0].name
}
