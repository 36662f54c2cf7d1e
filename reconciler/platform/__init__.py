"""The older GoodData platform (`/gdc/...`) as a target kind: its three documents and their mapping.

documents.py names and canonicalizes the documents (the domain's users, each project's members with one
role and a status, each project's user groups); roles.py selects a project role from a set of permissions
through the `roles` bundles; logins.py says which login a state user is; mapping.py renders the desired
documents from the state and checks what the older platform cannot express; reverse.py turns live
documents back into state files (import). Pure: no HTTP (the client is reconciler.client.platform).
"""
