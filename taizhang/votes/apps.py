from django.apps import AppConfig


class VotesConfig(AppConfig):
    name = "taizhang.votes"
    label = "votes"
    verbose_name = "公众投票"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap
        from taizhang.votes import portal

        register(MenuItem("公众投票", "votes:polls", Cap.VIEW, "先进典型", 84))
        portal.register_sections()
