import type { UserProfile } from '@chat/protocol';
import { useEffect, useId, useRef, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { CENTRED, cropAvatar, type SquareFraming, squareAt } from '../files/crop-avatar';
import { putObject } from '../files/upload-file';
import { Avatar } from './avatar';
import { AvatarCropper, type FramedPicture } from './avatar-cropper';
import { errorText } from './error-text';

export type AvatarEditorApi = Pick<ChatApi, 'createAvatarUpload' | 'updateProfile'>;

/** As a data: URL, which the page's CSP allows for images (blob: it does not). */
const dataUrlOf = (blob: Blob) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('the picture could not be read'));
    reader.readAsDataURL(blob);
  });

/** The picture chosen, and where its square is. */
interface Picked {
  file: Blob;
  picture: FramedPicture;
  framing: SquareFraming;
}

/** Reads a chosen file: its size, and a data: URL to show it whole. Rejects what the browser cannot decode. */
async function pictureOf(file: Blob): Promise<FramedPicture> {
  const bitmap = await createImageBitmap(file);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return { url: await dataUrlOf(file), ...size };
}

/**
 * My avatar in the profile form: choose a picture, place the square everyone will see on it (the
 * preview shows the result), save it (presigned upload, then `PATCH /api/me {avatarId}`), or remove it.
 * Initials stay without one.
 */
export function AvatarEditor({ api, profile, onSaved }: { api: AvatarEditorApi; profile: UserProfile; onSaved: (profile: UserProfile) => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<Picked>();
  const [preview, setPreview] = useState<string>();
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();

  // The preview follows the square; an older rendering finishing late never replaces a newer one.
  useEffect(() => {
    if (!picked) return setPreview(undefined);
    let current = true;
    void cropAvatar(picked.file, squareAt(picked.picture.width, picked.picture.height, picked.framing))
      .then(dataUrlOf)
      .then((url) => current && setPreview(url))
      .catch(() => current && setError('This picture could not be drawn.'));
    return () => void (current = false);
  }, [picked]);

  const choose = async (file: File | undefined) => {
    setError(undefined);
    if (!file) return;
    try {
      setPicked({ file, picture: await pictureOf(file), framing: CENTRED });
    } catch {
      setError('This picture could not be read: choose a PNG, JPEG, GIF or WebP image.');
    }
  };
  const save = async () => {
    if (!picked) return;
    setError(undefined);
    setProgress(0);
    try {
      const blob = await cropAvatar(picked.file, squareAt(picked.picture.width, picked.picture.height, picked.framing));
      const upload = await api.createAvatarUpload({ size: blob.size, contentType: blob.type });
      await putObject(upload, blob, setProgress);
      onSaved(await api.updateProfile({ avatarId: upload.id }));
      setPicked(undefined);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setProgress(undefined);
    }
  };
  const remove = async () => {
    setError(undefined);
    try {
      onSaved(await api.updateProfile({ avatarId: null }));
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div className="field">
      <span id={`${id}-label`}>Picture</span>
      <div className="avatar-editor" role="group" aria-labelledby={`${id}-label`}>
        <Avatar user={profile} className="profile-card__avatar" previewSrc={picked ? preview : undefined} />
        <input ref={input} type="file" accept="image/png,image/jpeg,image/gif,image/webp" hidden data-testid="avatar-input" onChange={(e) => void choose(e.target.files?.[0]).finally(() => (e.target.value = ''))} />
        <button type="button" className="button button--small" onClick={() => input.current?.click()}>
          Choose picture
        </button>
        {picked && (
          <button type="button" className="button button--small button--primary" disabled={progress !== undefined} onClick={() => void save()}>
            Save picture
          </button>
        )}
        {!picked && profile.avatar.url && (
          <button type="button" className="button button--small" onClick={() => void remove()}>
            Remove picture
          </button>
        )}
        {progress !== undefined && <progress max={1} value={progress} aria-label="Uploading the picture" />}
      </div>
      {picked && <AvatarCropper picture={picked.picture} framing={picked.framing} onChange={(framing) => setPicked({ ...picked, framing })} />}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
