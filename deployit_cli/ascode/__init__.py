"""Repository as code: CIs described in XL Deploy's `xl` YAML format, generated from and applied to the
repository through the REST API.

`document` reads and writes the YAML (ruamel.yaml round-trip mode, so comments and order survive) and
the CI documents, `contents` the whole file set (Import, Users, Roles, Permissions, Deployment), `tags`
resolves `!value` and `!format`, `values` turns property values between YAML, the REST JSON and
comparable forms (and holds the XL values), `plan` works out what a file would change (`security` and
`deploy` for the kinds that are not CIs), `apply` makes those changes, `generate` writes YAML for
repository subtrees, and `command` is the `deployit-cli apply|generate` command line.
"""

from .document import AsCodeError

__all__ = ["AsCodeError"]
