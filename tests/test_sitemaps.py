"""Sitemaps and sitemap indexes, plain and gzip, and the files that pretend to be one."""

from __future__ import annotations

import gzip

from noai_check.sitemaps import MAX_SITEMAP_BYTES, parse_sitemap

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_urlset_and_index():
    urlset = parse_sitemap(f"<urlset {NS}><url><loc> https://x.test/a </loc></url><url><loc>https://x.test/b</loc></url></urlset>".encode())
    assert (urlset.kind, urlset.locs) == ("urlset", ["https://x.test/a", "https://x.test/b"])
    index = parse_sitemap(gzip.compress(f"<sitemapindex {NS}><sitemap><loc>https://x.test/s1.xml.gz</loc></sitemap></sitemapindex>".encode()))
    assert (index.kind, index.locs) == ("index", ["https://x.test/s1.xml.gz"])


def test_not_a_sitemap():
    assert parse_sitemap(b"<html><body>404</body></html>").kind == "invalid"
    assert parse_sitemap(b"").problem == "empty body"
    assert parse_sitemap(b"\x1f\x8b\x08garbage").problem.startswith("bad gzip")


def test_entities_are_not_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "xxxxxxxxxx"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    result = parse_sitemap(bomb)
    assert all("xxxxxxxxxx" * 10 not in loc for loc in result.locs)


def test_gzip_bomb_is_refused_not_inflated():
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 10) + b"</urlset>")
    result = parse_sitemap(bomb)
    assert result.kind == "invalid" and "larger than" in result.problem
