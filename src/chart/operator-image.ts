// Where the DNS operator's image comes from. The release workflow (.github/workflows/release.yml)
// builds it from the Dockerfile for amd64 and arm64 and pushes it as
// OPERATOR_IMAGE_REPOSITORY:<package version> (the schema's default dns.operator.image), then
// publishes the npm package built after scripts/release-image.mjs has written the pushed digest
// below. Any other build of mailu-k8s cannot know that image exists, so synth says how to make it.

export const OPERATOR_IMAGE_REPOSITORY = 'ghcr.io/mailu-k8s/operator';

/** The digest the release workflow pushed for this version; undefined outside a release build. */
export const PUBLISHED_OPERATOR_IMAGE_DIGEST: string | undefined = undefined;

/** A note for synth when the operator runs our image and this build cannot vouch for it. */
export function operatorImageNotes(operator: { enabled: boolean; image: string }): string[] {
  if (!operator.enabled || PUBLISHED_OPERATOR_IMAGE_DIGEST || !operator.image.startsWith(`${OPERATOR_IMAGE_REPOSITORY}:`)) return [];
  const tag = operator.image.slice(OPERATOR_IMAGE_REPOSITORY.length + 1);
  return [
    `dns.operator.image ${operator.image} is pushed by mailu-k8s's release workflow when version ${tag} is released; this build ` +
      `was not made by it, so the image may not exist yet: build it from the repository's Dockerfile ` +
      `(docker build -t <registry>/mailu-k8s-operator:${tag} .), push it to a registry the cluster can pull from and set dns.operator.image to it`,
  ];
}
