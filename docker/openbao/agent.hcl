# `bao agent` of compose.vault.yaml: logs in with the token vault-init issues, and renders the
# backend's secrets into the tmpfs it shares with the backend alone.
vault {
  address = "http://vault:8200"
}
auto_auth {
  method "token_file" {
    config = {
      token_file_path = "/openbao/agent-auth/token"
    }
  }
}
template_config {
  # KV secrets have no lease: read them again this often, and render on a change.
  static_secret_render_interval = "2s"
  exit_on_retry_failure         = true
}
template {
  destination          = "/run/vault/database_url"
  perms                = "0400"
  error_on_missing_key = true
  contents             = "{{ with secret \"secret/data/cruddur/backend\" }}{{ .Data.data.database_url }}{{ end }}"
}
template {
  destination          = "/run/vault/jwt_secret"
  perms                = "0400"
  error_on_missing_key = true
  contents             = "{{ with secret \"secret/data/cruddur/backend\" }}{{ .Data.data.jwt_secret }}{{ end }}"
}
