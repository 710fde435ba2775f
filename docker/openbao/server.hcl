# OpenBao server of compose.vault.yaml: integrated (Raft) storage, one node, in the vault-data
# volume; unsealed by the vault-init service. (OpenBao 2 has no plain file storage, and no
# mlock: nothing here needs the IPC_LOCK capability.)
storage "raft" {
  path    = "/openbao/file"
  node_id = "vault"
}
# Plain HTTP on the internal `vault` network, which only vault-init and the agent join.
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}
api_addr     = "http://vault:8200"
cluster_addr = "http://vault:8201"
ui           = false
