"""como's URLs plus the imports API, for its tests until the vertical's URL hook includes it."""

from django.urls import URLPattern, URLResolver, include, path

from como import urls as como_urls

api_v1 = [*como_urls.api_v1, path("", include("verticals.automotive.inventory.importing.urls"))]
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include((api_v1, "api"))),
    *(p for p in como_urls.urlpatterns if str(p.pattern) != "api/v1/"),
]
