from __future__ import annotations

import textwrap
from typing import Optional

import pytest
from pantry.import_rules.terraform import (
    ModuleSource,
    find_module_sources,
    resolve_local_source,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            """
            module "index" {
              source = "../services/index/infra"
            }
            """,
            [ModuleSource("index", "../services/index/infra", 3)],
        ),
        (
            # Unquoted label, attributes before source, a nested block, comments everywhere.
            """
            # module "commented" { source = "./no" }
            // module "commented2" { source = "./no" }
            /* module "commented3" {
                 source = "./no"
               } */
            module stats {
              count  = var.enabled ? 1 : 0
              tags   = { source = "./not-the-source", nested = { a = "}" } }
              providers = {
                aws = aws.east
              }
              source = "./modules/stats" # trailing comment
            }
            """,
            [ModuleSource("stats", "./modules/stats", 13)],
        ),
        (
            # Strings with braces, escapes and templates do not confuse block depth.
            """
            locals {
              a = "}}}"
              b = "say \\"hi\\" ${jsonencode({ x = "}" })}"
            }
            module "a" { source = "./a" }
            """,
            [ModuleSource("a", "./a", 6)],
        ),
        (
            # A heredoc that mentions a module block is text, not a block.
            """
            resource "x" "y" {
              doc = <<-EOT
                module "fake" {
                  source = "./fake"
                }
              EOT
            }
            module "real" {
              source = "../real"
            }
            """,
            [ModuleSource("real", "../real", 10)],
        ),
        (
            # `source` in a non-module block, or nested inside a module, is not a source.
            """
            resource "null_resource" "x" {
              source = "./nope"
            }
            module "m" {
              inner {
                source = "./nope"
              }
              source = "./yes"
            }
            data "external" "e" { program = ["a"] }
            """,
            [ModuleSource("m", "./yes", 9)],
        ),
        (
            """
            module "one" {
              source = "./one"
            }
            module "two" {
              source  = "hashicorp/consul/aws"
              version = "0.1.0"
            }
            module "three" {
              version = "1"
            }
            """,
            [
                ModuleSource("one", "./one", 3),
                ModuleSource("two", "hashicorp/consul/aws", 6),
            ],
        ),
        ('module "x" {\n  source == "./cmp"\n}\n', []),
        ("module", []),
        ('module "unterminated {\n source = "./x"\n', []),
        ("", []),
    ],
)
def test_find_module_sources(text: str, expected: list[ModuleSource]) -> None:
    assert list(find_module_sources(textwrap.dedent(text))) == expected


@pytest.mark.parametrize(
    "terraform_file, source, resolved",
    [
        ("infra/main.tf", "../services/index/infra", "services/index/infra"),
        ("infra/main.tf", "./modules/dns", "infra/modules/dns"),
        ("infra/main.tf", "./modules/dns/", "infra/modules/dns"),
        ("services/a/infra/main.tf", "../../b/infra", "services/b/infra"),
        ("main.tf", "./infra", "infra"),
        ("infra/main.tf", "../../outside", None),
        ("infra/main.tf", "..", None),  # Terraform requires the "../" form
        # Not local paths: the registry, git, URLs, absolute paths, bare names.
        ("infra/main.tf", "hashicorp/consul/aws", None),
        ("infra/main.tf", "git::https://example.com/vpc.git//infra?ref=v1", None),
        ("infra/main.tf", "github.com/org/repo//modules/x", None),
        ("infra/main.tf", "https://example.com/module.zip", None),
        ("infra/main.tf", "/abs/path", None),
        ("infra/main.tf", "modules/dns", None),
    ],
)
def test_resolve_local_source(terraform_file: str, source: str, resolved: Optional[str]) -> None:
    assert resolve_local_source(terraform_file, source) == resolved
