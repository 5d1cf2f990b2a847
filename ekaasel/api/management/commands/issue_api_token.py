"""manage.py issue_api_token <username> <name>: print a new API token for an official (shown once)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ekaasel.api.tokens import issue_token
from ekaasel.identity.models import Official


class Command(BaseCommand):
    help = "Issue an API token to an official; the token is printed once and only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'mobile app backend'")

    def handle(self, *args: Any, **options: Any) -> None:
        official = Official.objects.select_related("user").filter(user__username=options["username"]).first()
        if official is None:
            raise CommandError(f"No official has the username {options['username']!r}.")
        self.stdout.write(issue_token(official=official, name=options["name"]))
