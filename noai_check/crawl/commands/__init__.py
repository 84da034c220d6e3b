"""Scrapy commands of this project (COMMANDS_MODULE): `scrapy crawl` with argument checks."""
