import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
pytestmark = pytest.mark.django_db
def test_dump(client):
    photo = SimpleUploadedFile("x.jpg", b"not an image")
    r = client.post("/assistant/ask/", {"message": "a watch", "next": "/", "image": photo})
    open("/tmp/dump.html","w").write(r.content.decode())
