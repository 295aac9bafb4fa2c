from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "shop.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # A click from a search is recorded when its product page is shown (the catalog
        # says a product was viewed; search listens: catalog never imports search).
        from shop.search import attribution

        attribution.connect_signals()
