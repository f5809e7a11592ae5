"""Constants the tests share (importable as ``support``: pytest puts this folder on the path)."""

VM = 1268054
TOKEN = "s3cret-token-never-shown"
